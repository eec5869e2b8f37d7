"""`ledger`: the 台账, one row per measure (md, xlsx)."""

from rectify_shared.enums import ReportFormat

from ..render import render_ledger_md, render_ledger_xlsx
from ..render.wording import ledger_file_name
from ..snapshot import LedgerSnapshot, load_ledger_snapshot
from . import Kind, register


def render(snapshot: LedgerSnapshot, fmt: ReportFormat) -> bytes:
    if fmt == ReportFormat.md:
        return render_ledger_md(snapshot)
    if fmt == ReportFormat.xlsx:
        return render_ledger_xlsx(snapshot)
    raise ValueError(f"the ledger is not rendered as {fmt}")


KIND = register(
    Kind(
        name="ledger",
        formats=frozenset({ReportFormat.md, ReportFormat.xlsx}),
        load=load_ledger_snapshot,
        render=render,
        file_name=lambda snap, fmt: ledger_file_name(snap.org_name, snap.as_of, fmt.value),
    )
)
