from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, Select, bindparam, func, literal_column, not_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import fetch
from rectify_shared.models import Issue, Measure, Org, ProgressReport

from ..auth.principal import Scope
from ..core.pagination import after_key
from ..issues.repository import _bounds as bounds
from ..issues.repository import visible_bound

#: id, issue_id, measure_id, text, reporting_org_id, org_name, reported_at, reported_by, created_at
ReportRow = Row[int, int, int | None, str, int, str, datetime, str, datetime]


async def list_for_issue(
    session: AsyncSession,
    issue_id: int,
    after: tuple[datetime, int] | None,
    limit: int,
    hidden: ColumnElement[bool] | None = None,
) -> Sequence[ReportRow]:
    """The issue's live reports, newest first, but those `hidden` (another unit's measure's evidence)."""
    r = ProgressReport
    stmt: Select[int, int, int | None, str, int, str, datetime, str, datetime] = (
        select(
            col(r.id),
            col(r.issue_id),
            col(r.measure_id),
            col(r.text),
            col(r.reporting_org_id),
            col(Org.name).label("org_name"),
            col(r.reported_at),
            col(r.reported_by),
            col(r.created_at),
        )
        .join(Org, col(Org.id) == col(r.reporting_org_id))
        .where(col(r.issue_id) == issue_id, col(r.withdrawn_at).is_(None))
    )
    if hidden is not None:
        stmt = stmt.where(not_(hidden))
    if after is not None:
        stmt = stmt.where(after_key(col(r.reported_at), col(r.id), after[0], after[1], desc=True))
    stmt = stmt.order_by(col(r.reported_at).desc(), col(r.id).desc()).limit(limit + 1)
    return (await session.execute(stmt)).all()


async def get(session: AsyncSession, report_id: int) -> ProgressReport | None:
    stmt = select(ProgressReport).where(col(ProgressReport.id) == report_id)
    return (await session.execute(stmt)).scalar_one_or_none()


#: what a report needs of its task, the problem and the reporting org: see `target_of_measure`
TargetRow = Row[Any]


def _target_columns(measure: bool) -> list[Any]:
    m, i = Measure.__table__.c, Issue.__table__.c  # type: ignore[attr-defined]
    null: Any = literal_column("NULL")
    return [
        (m.id if measure else null).label("measure_id"),
        (m.withdrawn_at if measure else null).label("measure_withdrawn_at"),
        (m.responsible_org_id if measure else null).label("responsible_org_id"),
        (m.status if measure else null).label("measure_status"),
        i.id.label("issue_id"),
        i.withdrawn_at.label("issue_withdrawn_at"),
        i.lead_org_id,
        i.round_id,
        i.status.label("issue_status"),
        i.org_path.label("issue_org_path"),
        Org.__table__.c.id.label("org_id"),  # type: ignore[attr-defined]
        Org.__table__.c.name.label("org_name"),  # type: ignore[attr-defined]
        Org.__table__.c.path.label("org_path"),  # type: ignore[attr-defined]
    ]


@lru_cache(maxsize=8)
def _target_statement(measure: bool, exact: bool) -> Select[Any]:
    m, i, o = Measure.__table__.c, Issue.__table__.c, Org.__table__.c  # type: ignore[attr-defined]
    given = bindparam("b_org_id", type_=Integer, required=False, value=None)
    reporting = (
        func.coalesce(given, m.responsible_org_id, i.lead_org_id) if measure else func.coalesce(given, i.lead_org_id)
    )
    stmt = select(*_target_columns(measure))
    if measure:
        stmt = stmt.select_from(Measure.__table__.join(Issue.__table__, i.id == m.issue_id)).where(  # type: ignore[attr-defined]
            m.id == bindparam("b_target_id", type_=Integer)
        )
    else:
        stmt = stmt.select_from(Issue.__table__).where(i.id == bindparam("b_target_id", type_=Integer))  # type: ignore[attr-defined]
    return stmt.outerjoin(Org.__table__, o.id == reporting).where(visible_bound(exact))  # type: ignore[attr-defined]


async def target(
    session: AsyncSession, measure_id: int | None, issue_id: int | None, scope: Scope, org_id: int | None
) -> TargetRow | None:
    """A report's target in one statement of columns (no entities): the measure `measure_id` (or
    the problem `issue_id` reported on as a whole) if the caller sees it, the problem's facts a
    report checks and moves, and the reporting org (`org_id`, else the measure's responsible
    org, else the problem's lead org; its columns NULL when there is no such org)."""
    stmt = _target_statement(measure_id is not None, scope.exact)
    params = {"b_target_id": measure_id if measure_id is not None else issue_id, "b_org_id": org_id}
    rows = await fetch(session, stmt, params | bounds(scope.path, scope.exact, "scope"))
    return rows[0] if rows else None
