"""Status counts, now or as of a past day (recomputed from the status history)."""

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Subquery, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import IssueStatus
from rectify_shared.history import happened_by, latest_first
from rectify_shared.models import Indicator, Issue, IssueStatusChange, Org
from rectify_shared.schedule import ScheduleSplit, schedules_of, split
from rectify_shared.timezone import end_of_day

from ..auth.principal import Scope
from ..issues.repository import visible
from .deadlines import deadline_columns


def issue_statuses(round_id: int | None, as_of: date | None, scope: Scope) -> Subquery:
    """One row per issue that existed (and was not withdrawn) at the time: id, seq, category,
    lead org, status, on_schedule. As of a day, each row counts from the day it happened
    (`occurred_on`, `rectify_shared.history`)."""
    if as_of is None:
        status: Any = Issue.status
        where: list[Any] = [Issue.withdrawn_at.is_(None)]
    else:
        cut = end_of_day(as_of)
        status = (
            select(IssueStatusChange.to_status)
            .where(
                IssueStatusChange.issue_id == Issue.id,
                happened_by(IssueStatusChange.occurred_on, IssueStatusChange.changed_at, as_of),
            )
            .order_by(*latest_first(IssueStatusChange.occurred_on, IssueStatusChange.changed_at, IssueStatusChange.id))
            .limit(1)
            .correlate(Issue)
            .scalar_subquery()
        )
        where = [
            happened_by(Issue.occurred_on, Issue.created_at, as_of),
            or_(Issue.withdrawn_at.is_(None), Issue.withdrawn_at >= cut),
        ]
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


async def recount(session: AsyncSession, sub: Subquery) -> tuple[dict[str, list[tuple[Any, ...]]], list[Any]]:
    """The problems of `issue_statuses` read once (one pass of its per-problem history lookups, in
    place of one per figure) and counted here: the shapes of `counts`, and the rows themselves
    (id, status, original deadline, deadline in force, accepted_at, accepted_on) for the deadline
    figures and the schedule split."""
    rows = (
        await session.execute(
            select(
                sub.c.id, sub.c.seq, sub.c.category, sub.c.lead_org_id, sub.c.status, sub.c.on_schedule,
                sub.c.original_deadline,
                sub.c.deadline_in_force, sub.c.accepted_at, sub.c.accepted_on,
            ).where(sub.c.status.is_not(None))
        )
    ).all()  # fmt: skip
    by_status: Counter[str] = Counter()
    by_category: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], int] = {}
    by_org: Counter[tuple[int, str]] = Counter()
    for r in rows:
        by_status[r.status] += 1
        by_category[(r.category, r.status)] += 1
        first[(r.category, r.status)] = min(first.get((r.category, r.status), r.seq), r.seq)
        by_org[(r.lead_org_id, r.status)] += 1
    ids = sorted({org_id for org_id, _ in by_org})
    names = (
        {
            o.id: (o.name, o.path)
            for o in (await session.execute(select(Org.id, Org.name, Org.path).where(Org.id.in_(ids)))).all()
        }
        if ids
        else {}
    )  # type: ignore[attr-defined]
    data: dict[str, list[tuple[Any, ...]]] = {
        "by_status": [(status, None, n) for status, n in by_status.items()],
        "by_category": [(c, status, n, first[(c, status)]) for (c, status), n in by_category.items()],
        "by_org": [(o, *names[o], status, n) for (o, status), n in by_org.items() if o in names],
    }
    return data, list(rows)


async def schedule_of_rows(session: AsyncSession, rows: Sequence[Any], day: date) -> ScheduleSplit:
    """`rectify_shared.schedule.schedule_split` of the rows in progress, from their own hand-set flags:
    only those with indicators are looked up (not an IN of every problem in progress)."""
    in_progress = {r.id: r.on_schedule for r in rows if r.status == IssueStatus.in_progress.value}
    if not in_progress:
        return split([])
    with_indicators = (
        await session.execute(select(Indicator.issue_id).where(Indicator.issue_id.is_not(None)).distinct())  # type: ignore[union-attr]
    ).scalars()
    judged = {i: in_progress[i] for i in with_indicators if i in in_progress}
    flags: dict[int, bool | None] = dict(in_progress)
    if judged:
        flags.update(await schedules_of(session, judged, day))
    return split(flags.values())


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


async def in_progress_ids(session: AsyncSession, sub: Subquery) -> list[int]:
    """The problems of `issue_statuses` in progress at the time."""
    rows = await session.execute(select(sub.c.id).where(sub.c.status == IssueStatus.in_progress.value))
    return [int(i) for i in rows.scalars()]
