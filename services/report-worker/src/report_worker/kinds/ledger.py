"""`ledger`: the 台账, one row per measure (md, xlsx, and a landscape table as docx and pdf).

docx and pdf are drawn from the `ledger` template, md from the `issue_progress` template (the
ledger's text); the workbook is fixed (it imports back by its rows)."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportFormat

from ..ledger_load import load_ledger_snapshot
from ..render import render_ledger_xlsx
from ..render.issue_progress_docx import render_issue_progress_md
from ..render.ledger_document import render_ledger_docx, render_ledger_pdf
from ..render.ledger_templates import ISSUE_PROGRESS, LEDGER
from ..render.wording import ledger_file_name
from ..snapshot import LedgerSnapshot
from ..templating import load_choice
from . import Kind, register

RENDERERS: dict[ReportFormat, Callable[[LedgerSnapshot], bytes]] = {
    ReportFormat.md: render_issue_progress_md,
    ReportFormat.xlsx: render_ledger_xlsx,
    ReportFormat.docx: render_ledger_docx,
    ReportFormat.pdf: render_ledger_pdf,
}


async def load_with_templates(session: AsyncSession, job: Any) -> LedgerSnapshot:
    """The ledger snapshot with the office's `ledger` and `issue_progress` templates in force."""
    snapshot = await load_ledger_snapshot(session, job)
    templates = {kind: await load_choice(session, kind, job) for kind in (LEDGER, ISSUE_PROGRESS)}
    return replace(snapshot, templates={k: v for k, v in templates.items() if v is not None})


def render(snapshot: LedgerSnapshot, fmt: ReportFormat) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"the ledger is not rendered as {fmt}")
    return RENDERERS[fmt](snapshot)


KIND = register(
    Kind(
        name="ledger",
        formats=frozenset(RENDERERS),
        load=load_with_templates,
        render=render,
        file_name=lambda snap, fmt: ledger_file_name(snap.org_name, snap.as_of, fmt.value),
    )
)
