"""`ledger`: the 台账, one row per measure (md, xlsx, and a landscape table as docx and pdf)."""

from rectify_shared.enums import ReportFormat

from ..render import render_ledger_md, render_ledger_xlsx
from ..render.ledger_document import render_ledger_docx, render_ledger_pdf
from ..render.wording import ledger_file_name
from ..snapshot import LedgerSnapshot, load_ledger_snapshot
from . import Kind, register

RENDERERS = {
    ReportFormat.md: render_ledger_md,
    ReportFormat.xlsx: render_ledger_xlsx,
    ReportFormat.docx: render_ledger_docx,
    ReportFormat.pdf: render_ledger_pdf,
}


def render(snapshot: LedgerSnapshot, fmt: ReportFormat) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"the ledger is not rendered as {fmt}")
    return RENDERERS[fmt](snapshot)


KIND = register(
    Kind(
        name="ledger",
        formats=frozenset(RENDERERS),
        load=load_ledger_snapshot,
        render=render,
        file_name=lambda snap, fmt: ledger_file_name(snap.org_name, snap.as_of, fmt.value),
    )
)
