"""Status counts, now or as of a past day (recomputed from the status history)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Subquery, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Issue, IssueStatusChange, Org
from rectify_shared.timezone import end_of_day

from ..auth.principal import Scope
from ..issues.repository import visible
from .deadlines import deadline_columns


def issue_statuses(round_id: int | None, as_of: date | None, scope: Scope) -> Subquery:
    """One row per issue that existed (and was not withdrawn) at the time: id, seq, category,
    lead org, status, on_schedule."""
    if as_of is None:
        status: Any = Issue.status
        where: list[Any] = [Issue.withdrawn_at.is_(None)]
    else:
        cut = end_of_day(as_of)
        status = (
            select(IssueStatusChange.to_status)
            .where(IssueStatusChange.issue_id == Issue.id, IssueStatusChange.changed_at < cut)
            .order_by(IssueStatusChange.changed_at.desc(), IssueStatusChange.id.desc())
            .limit(1)
            .correlate(Issue)
            .scalar_subquery()
        )
        where = [Issue.created_at < cut, or_(Issue.withdrawn_at.is_(None), Issue.withdrawn_at >= cut)]
    if round_id is not None:
        where.append(Issue.round_id == round_id)
    where.append(visible(scope))
    return (
        select(
            Issue.id,
            Issue.seq,
            Issue.category,
            Issue.lead_org_id,
            Issue.on_schedule,
            status.label("status"),
            *deadline_columns(as_of),
        )
        .where(*where)
        .subquery("s")
    )


async def counts(session: AsyncSession, sub: Subquery) -> dict[str, Sequence[Row[Any]]]:
    by_status = (
        await session.execute(
            select(sub.c.status, sub.c.on_schedule, func.count())
            .where(sub.c.status.is_not(None))
            .group_by(sub.c.status, sub.c.on_schedule)
        )
    ).all()
    by_category = (
        await session.execute(
            select(sub.c.category, sub.c.status, func.count(), func.min(sub.c.seq))
            .where(sub.c.status.is_not(None))
            .group_by(sub.c.category, sub.c.status)
        )
    ).all()
    by_org = (
        await session.execute(
            select(sub.c.lead_org_id, Org.name, Org.path, sub.c.status, func.count())
            .join(Org, Org.id == sub.c.lead_org_id)
            .where(sub.c.status.is_not(None))
            .group_by(sub.c.lead_org_id, Org.name, Org.path, sub.c.status)
        )
    ).all()
    return {"by_status": by_status, "by_category": by_category, "by_org": by_org}
