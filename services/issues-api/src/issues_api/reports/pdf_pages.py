"""A PDF that would be over the page cap is refused when it is requested, not after a render.

The estimate is a lower bound from counts (two cheap queries): every problem, measure or
table row is taken to need at most one line or table row, and a page to hold many of them.
Real text wraps, so real documents are longer: a request refused here would certainly have
failed in the worker; one let through may still hit the worker's own cap (counted after
layout), which stays the backstop.
"""

from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportKind
from rectify_shared.models import DispatchObligation, Issue, IssueOrg, Measure, PetitionCase
from rectify_shared.timezone import end_of_day
from rectify_shared.tree import in_subtree

from ..core.errors import ApiError
from .errors import PDF_TOO_LONG

#: items a page holds at most: lines of the 公文 body (A4 portrait, 28 pt pitch: 22 lines) for
#: the narrative kinds; single-line table rows for the ledger (A4 landscape, 9 pt on 13 pt: at
#: most 27) and a dispatch round's table (12 pt on 18 pt: at most 26) and a petition batch's
#: table (the ledger's layout), rounded up in the request's favour, and titles and headers left
#: out. The petition notice is a few sentences: never bounded.
ITEMS_PER_PAGE: dict[ReportKind, int] = {
    ReportKind.issue_progress: 22,
    ReportKind.progress_report: 22,
    ReportKind.ledger: 30,
    ReportKind.dispatch_summary: 30,
    ReportKind.petition_table: 30,
}
#: one closure's documents have a fixed shape: the notice is a page of text and its attached
#: completion table on a page of its own; the approval form one table (its rows are few)
FIXED_PAGES: dict[ReportKind, int] = {ReportKind.closure_notice: 2, ReportKind.closure_form: 1}


async def estimated_pages(
    session: AsyncSession, kind: ReportKind, round_id: int, as_of: date, org_path: str, params: dict[str, Any]
) -> int:
    """A lower bound of the PDF's pages (0 when nothing bounds it, e.g. a one-page notice)."""
    if kind in FIXED_PAGES:
        return FIXED_PAGES[kind]
    per_page = ITEMS_PER_PAGE.get(kind)
    if per_page is None:
        return 0
    exact = bool(params.get("scope_exact"))
    if kind == ReportKind.dispatch_summary:
        path = col(DispatchObligation.org_path)
        place = path == org_path if exact else in_subtree(path, org_path)
        rows = (
            await session.execute(
                select(func.count())
                .select_from(DispatchObligation)
                .where(col(DispatchObligation.dispatch_round_id) == params.get("dispatch_round_id"), place)
            )
        ).scalar_one()
        return -(-int(rows) // per_page)
    if kind == ReportKind.petition_table:
        return -(-await _petition_rows(session, params.get("batch_id"), as_of, org_path, exact) // per_page)
    issues, measures = await _ledger_counts(session, round_id, as_of, org_path, exact)
    if kind == ReportKind.ledger:
        items = max(issues, measures)  # one row per measure, one for a problem without measures
    else:
        items = 2 * issues + measures  # a problem's paragraph and status line, then its items
    return -(-items // per_page)


async def _ledger_counts(
    session: AsyncSession, round_id: int, as_of: date, org_path: str, exact: bool
) -> tuple[int, int]:
    cut = end_of_day(as_of)
    place = col(IssueOrg.org_path) == org_path if exact else in_subtree(col(IssueOrg.org_path), org_path)
    in_scope = and_(
        col(Issue.round_id) == round_id,
        _existed_at(Issue, cut),
        exists().where(col(IssueOrg.issue_id) == col(Issue.id), place),
    )
    issue_ids = select(col(Issue.id)).where(in_scope)
    issues = (await session.execute(select(func.count()).select_from(Issue).where(in_scope))).scalar_one()
    measures = (
        await session.execute(
            select(func.count())
            .select_from(Measure)
            .where(col(Measure.issue_id).in_(issue_ids), _existed_at(Measure, cut))
        )
    ).scalar_one()
    return int(issues), int(measures)


async def _petition_rows(session: AsyncSession, batch_id: Any, as_of: date, org_path: str, exact: bool) -> int:
    """The batch's cases in scope (locality or responsible org in it) registered by the day."""

    def place(path: Any) -> Any:
        return path == org_path if exact else in_subtree(path, org_path)

    responsible = col(PetitionCase.responsible_path)
    rows = (
        await session.execute(
            select(func.count())
            .select_from(PetitionCase)
            .where(
                col(PetitionCase.batch_id) == batch_id,
                col(PetitionCase.created_at) < end_of_day(as_of),
                or_(place(col(PetitionCase.locality_path)), and_(responsible.is_not(None), place(responsible))),
            )
        )
    ).scalar_one()
    return int(rows)


def _existed_at(table: Any, cut: Any) -> Any:
    return and_(col(table.created_at) < cut, or_(col(table.withdrawn_at).is_(None), col(table.withdrawn_at) >= cut))


def too_many_pages(pages: int, cap: int) -> ApiError:
    return PDF_TOO_LONG.error(
        pages=pages,
        cap=cap,
        details=[{"field": "body.format", "reason": f"at least {pages} pages > {cap} (RECTIFY_PDF_MAX_PAGES)"}],
    )
