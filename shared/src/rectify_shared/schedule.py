"""One definition of 达到序时进度 / 滞后 (on schedule / behind) for work in progress, on any day.

Stats (`GET /stats/issues`), the progress report's 正在推进X项（达到序时进度Y项、滞后Z项）, the
ledger and the console all count through `issue_schedules`:

- a problem with indicators judged on `as_of` is behind when any of them is, else on schedule
  (`indicator_rows.derived_issue_schedules`, computed for that day);
- otherwise the flag the office set by hand (`issue.on_schedule`; no history is kept of it);
- otherwise it is not judged (None).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .indicator_rows import derived_issue_schedules
from .indicators import Schedule
from .models import Issue


@dataclass(frozen=True)
class ScheduleSplit:
    on_schedule: int = 0
    behind: int = 0
    unknown: int = 0


async def issue_schedules(session: AsyncSession, issue_ids: Sequence[int], as_of: date) -> dict[int, bool | None]:
    """issue id -> True (达到序时进度), False (滞后) or None (not judged), as of the end of `as_of`."""
    if not issue_ids:
        return {}
    ids = list(dict.fromkeys(issue_ids))
    manual = dict(
        (await session.exec(select(col(Issue.id), col(Issue.on_schedule)).where(col(Issue.id).in_(ids)))).all()
    )
    return await schedules_of(session, {i: manual.get(i) for i in ids}, as_of)


async def schedules_of(reads: Any, by_hand: dict[int, bool | None], as_of: date) -> dict[int, bool | None]:
    """issue id -> its schedule as of `as_of`, given each problem's flag set by hand (a caller that
    read the problems has them): the indicators' judgement where there is one, else that flag.
    `reads`: a session or a `db_fast.ReadConnection` (the ledger's fast path)."""
    derived = await derived_issue_schedules(reads, list(by_hand), as_of)
    return {i: (derived[i] == Schedule.on_schedule if i in derived else flag) for i, flag in by_hand.items()}


def split(flags: Iterable[bool | None]) -> ScheduleSplit:
    values = list(flags)
    return ScheduleSplit(
        on_schedule=sum(1 for v in values if v is True),
        behind=sum(1 for v in values if v is False),
        unknown=sum(1 for v in values if v is None),
    )


async def schedule_split(session: AsyncSession, in_progress_ids: Sequence[int], as_of: date) -> ScheduleSplit:
    """The on-schedule split of the given in-progress problems as of `as_of`."""
    return split((await issue_schedules(session, in_progress_ids, as_of)).values())
