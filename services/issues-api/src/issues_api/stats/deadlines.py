"""On time and overdue against the ORIGINAL deadline (an approved extension does not make late work
on time); the figures against the deadline in force after extensions are given beside them.

A task is completed when its status (now, or as of the day) is completed, completed_long_term or
closed; its completion day is its last acceptance (the last change to completed*), in China time.
Tasks without a deadline are counted apart and are in neither rate."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Subquery, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import IssueStatus
from rectify_shared.history import happened_before, latest_first
from rectify_shared.models import DeadlineChange, Issue, IssueStatusChange
from rectify_shared.timezone import CHINA_TZ, end_of_day

from .schemas import DeadlineStats

S = IssueStatus
DONE = (S.completed, S.completed_long_term, S.closed)
OPEN = (S.not_started, S.in_progress)


def deadline_columns(as_of: date | None) -> list[Any]:
    """Columns for `repository.issue_statuses`: the original deadline, the one in force at the time,
    and the last acceptance before it."""
    cut = end_of_day(as_of) if as_of is not None else None
    acceptance = (
        col(IssueStatusChange.issue_id) == Issue.id,
        col(IssueStatusChange.to_status).in_([S.completed, S.completed_long_term]),
    )
    accepted = select(func.max(col(IssueStatusChange.changed_at))).where(*acceptance)
    # the day of the latest acceptance when the office recorded it (history from before Rectify)
    accepted_on = (
        select(col(IssueStatusChange.occurred_on))
        .where(*acceptance)
        .order_by(
            *latest_first(
                col(IssueStatusChange.occurred_on), col(IssueStatusChange.changed_at), col(IssueStatusChange.id)
            )
        )
        .limit(1)
    )
    if cut is None:
        in_force: Any = Issue.deadline
    else:
        accepted = accepted.where(col(IssueStatusChange.changed_at) < cut)
        accepted_on = accepted_on.where(
            happened_before(col(IssueStatusChange.occurred_on), col(IssueStatusChange.changed_at), cut)
        )
        moved = (
            select(col(DeadlineChange.new_deadline))
            .where(
                col(DeadlineChange.entity_type) == "issue",
                col(DeadlineChange.entity_id) == Issue.id,
                col(DeadlineChange.changed_at) < cut,
            )
            .order_by(col(DeadlineChange.changed_at).desc(), col(DeadlineChange.id).desc())
            .limit(1)
            .correlate(Issue)
            .scalar_subquery()
        )
        in_force = func.coalesce(moved, Issue.original_deadline, Issue.deadline)
    return [
        func.coalesce(Issue.original_deadline, Issue.deadline).label("original_deadline"),
        in_force.label("deadline_in_force"),
        accepted.correlate(Issue).scalar_subquery().label("accepted_at"),
        accepted_on.correlate(Issue).scalar_subquery().label("accepted_on"),
    ]


def _day(at: datetime) -> date:
    return at.astimezone(CHINA_TZ).date()


def tally(rows: Iterable[Any], day: date) -> DeadlineStats:
    """`day`: the day overdue is judged on (today, or the as-of day). Rows: status, original deadline,
    deadline in force, accepted_at, accepted_on (the day the office recorded, if any)."""
    # plain counters (a pydantic attribute set per row cost more than the rest of the loop)
    completed = on_time = on_time_ext = without = overdue = overdue_ext = extended = 0
    for status, original, in_force, accepted_at, accepted_on in rows:
        if status in DONE:
            if original is None:
                without += 1
                continue
            completed += 1
            done_on = accepted_on or (_day(accepted_at) if accepted_at is not None else None)
            if done_on is not None and done_on <= original:
                on_time += 1
            if done_on is not None and in_force is not None and done_on <= in_force:
                on_time_ext += 1
        elif status in OPEN and original is not None:
            overdue += original < day
            overdue_ext += in_force is not None and in_force < day
        if original is not None and in_force is not None and in_force != original:
            extended += 1
    out = DeadlineStats(
        completed=completed, on_time=on_time, on_time_extended=on_time_ext, completed_without_deadline=without,
        overdue=overdue, overdue_extended=overdue_ext, extended=extended,
    )  # fmt: skip
    if completed:
        out.on_time_rate = round(on_time / completed, 4)
        out.on_time_rate_extended = round(on_time_ext / completed, 4)
    return out


async def deadline_stats(session: AsyncSession, sub: Subquery, day: date) -> DeadlineStats:
    rows = await session.execute(
        select(
            sub.c.status, sub.c.original_deadline, sub.c.deadline_in_force, sub.c.accepted_at, sub.c.accepted_on
        ).where(sub.c.status.is_not(None))
    )
    return tally(rows.all(), day)
