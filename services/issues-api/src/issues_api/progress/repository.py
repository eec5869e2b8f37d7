from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, not_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Org, ProgressReport

from ..core.pagination import after_key


async def list_for_issue(
    session: AsyncSession,
    issue_id: int,
    after: tuple[datetime, int] | None,
    limit: int,
    hidden: ColumnElement[bool] | None = None,
) -> Sequence[Row[Any]]:
    """The issue's live reports, newest first, but those `hidden` (another unit's measure's evidence)."""
    stmt = (
        select(
            ProgressReport.id,
            ProgressReport.issue_id,
            ProgressReport.measure_id,
            ProgressReport.text,
            ProgressReport.reporting_org_id,
            Org.name.label("org_name"),
            ProgressReport.reported_at,
            ProgressReport.reported_by,
            ProgressReport.created_at,
        )
        .join(Org, Org.id == ProgressReport.reporting_org_id)
        .where(ProgressReport.issue_id == issue_id, ProgressReport.withdrawn_at.is_(None))
    )
    if hidden is not None:
        stmt = stmt.where(not_(hidden))
    if after is not None:
        stmt = stmt.where(after_key(ProgressReport.reported_at, ProgressReport.id, after[0], after[1], desc=True))
    stmt = stmt.order_by(ProgressReport.reported_at.desc(), ProgressReport.id.desc()).limit(limit + 1)
    return (await session.execute(stmt)).all()


async def get(session: AsyncSession, report_id: int) -> ProgressReport | None:
    stmt = select(ProgressReport).where(ProgressReport.id == report_id)
    return (await session.execute(stmt)).scalar_one_or_none()
