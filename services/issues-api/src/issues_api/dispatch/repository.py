from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Label, Row, Table, and_, bindparam, case, func, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import core_execute
from rectify_shared.enums import MEASURE_DONE, IssueStatus
from rectify_shared.models import DispatchObligation, DispatchRound, Issue, IssueOrg, Measure, Org

from ..auth.principal import Scope

OPEN_ISSUE = (IssueStatus.not_started, IssueStatus.in_progress)


async def units_with_open_work(session: AsyncSession, round_id: int, scope: Scope) -> Sequence[Row[int, str]]:
    """(org id, org path) of every lead/responsible org of an open task, and every responsible
    org of an open measure, within the scope."""
    open_issue = and_(
        col(Issue.round_id) == round_id, col(Issue.status).in_(OPEN_ISSUE), col(Issue.withdrawn_at).is_(None)
    )
    via_issue = (
        select(col(IssueOrg.org_id), col(IssueOrg.org_path))
        .join(Issue, col(Issue.id) == col(IssueOrg.issue_id))
        # a `measure` link answers only while its measure is open: that is `via_measure`'s rule
        .where(open_issue, col(IssueOrg.role) != "measure", scope.clause(col(IssueOrg.org_path)))
    )
    via_measure = (
        select(col(Measure.responsible_org_id), col(Measure.org_path))
        .join(Issue, col(Issue.id) == col(Measure.issue_id))
        .where(
            open_issue,
            col(Measure.responsible_org_id).is_not(None),
            col(Measure.status).not_in([s.value for s in MEASURE_DONE]),
            col(Measure.withdrawn_at).is_(None),
            scope.clause(col(Measure.org_path)),
        )
    )
    return (await session.execute(via_issue.union(via_measure))).all()


def _counts() -> tuple[Label[int], Label[int]]:
    owed = func.count(col(DispatchObligation.org_id)).label("owed")
    reported = func.count(col(DispatchObligation.reported_at)).label("reported")
    return owed, reported


def _visible_round(scope: Scope) -> ColumnElement[bool]:
    return or_(scope.clause(col(DispatchRound.org_path)), col(DispatchRound.org_path).in_(scope.ancestors()))


async def list_page(
    session: AsyncSession, scope: Scope, round_id: int | None, after_id: int | None, limit: int
) -> Sequence[Row[DispatchRound, int, int]]:
    owed, reported = _counts()
    stmt = (
        select(DispatchRound, owed, reported)
        # the caller's own obligations only, as the detail shows them (a county sees its own figures)
        .outerjoin(
            DispatchObligation,
            and_(
                col(DispatchObligation.dispatch_round_id) == col(DispatchRound.id),
                scope.clause(col(DispatchObligation.org_path)),
            ),
        )
        .where(_visible_round(scope))
        .group_by(col(DispatchRound.id))
    )
    if round_id is not None:
        stmt = stmt.where(col(DispatchRound.round_id) == round_id)
    if after_id is not None:
        stmt = stmt.where(col(DispatchRound.id) < after_id)
    return (await session.execute(stmt.order_by(col(DispatchRound.id).desc()).limit(limit + 1))).all()


async def get_visible(session: AsyncSession, scope: Scope, dispatch_id: int) -> DispatchRound | None:
    stmt = select(DispatchRound).where(col(DispatchRound.id) == dispatch_id, _visible_round(scope))
    return (await session.execute(stmt)).scalar_one_or_none()


async def obligations(session: AsyncSession, dispatch_id: int, scope: Scope) -> Sequence[Row[DispatchObligation, str]]:
    reported_at = col(DispatchObligation.reported_at)
    stmt = (
        select(DispatchObligation, col(Org.name))
        .join(Org, col(Org.id) == col(DispatchObligation.org_id))
        .where(col(DispatchObligation.dispatch_round_id) == dispatch_id, scope.clause(col(DispatchObligation.org_path)))
        .order_by(case((reported_at.is_(None), 0), else_=1), col(Org.path))
    )
    return (await session.execute(stmt)).all()


_OBLIGATION: Table = DispatchObligation.__table__  # type: ignore[attr-defined]
DISPATCH_ROUND: Table = DispatchRound.__table__  # type: ignore[attr-defined]
_AT = bindparam("b_at", type_=_OBLIGATION.c.reported_at.type)
#: every progress report runs this: built once, run as Core (no ORM session synchronisation: no
#: obligation is ever loaded in a session that reports); on PostgreSQL a progress report runs it
#: inside its own INSERT (`progress.service`), its parameters `fulfil_params`'s
FULFIL = (
    update(_OBLIGATION)
    .where(
        _OBLIGATION.c.org_id == bindparam("b_org_id"),
        _OBLIGATION.c.reported_at.is_(None),
        _OBLIGATION.c.dispatch_round_id.in_(
            select(DISPATCH_ROUND.c.id).where(
                DISPATCH_ROUND.c.round_id == bindparam("b_round_id"),
                DISPATCH_ROUND.c.opens_at <= _AT,
            )
        ),
    )
    .values(
        reported_at=_AT,
        progress_report_id=bindparam("b_report_id", type_=_OBLIGATION.c.progress_report_id.type),
    )
)


def fulfil_params(round_id: int, org_id: int, report_id: int | None, at: datetime) -> dict[str, Any]:
    return {"b_org_id": org_id, "b_round_id": round_id, "b_at": at, "b_report_id": report_id}


async def fulfil(session: AsyncSession, round_id: int, org_id: int, report_id: int | None, at: datetime) -> int:
    """A unit's progress report counts for every dispatch round of the inspection round it still owes."""
    result = await core_execute(session, FULFIL, fulfil_params(round_id, org_id, report_id, at))
    return int(getattr(result, "rowcount", 0) or 0)
