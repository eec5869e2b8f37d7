from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, not_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Org, ProgressReport

from ..core.pagination import after_key

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
