"""Every fact has two times: the day it happened (`occurred_on`) and when it was recorded (server
time: `created_at`, `changed_at`, `reported_at`, a closure step's `at`).

The office may record history from before Rectify was in use, so as-of readers (stats, reports,
the ledger) ask "had it happened by the end of `as_of`?" through these helpers: a row with an
`occurred_on` counts from that day, a row without one (written before the column existed, or by a
loader that does not set it) from its server time.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from .timezone import CHINA_TZ, end_of_day


def happened_by(occurred_on: Any, recorded_at: Any, as_of: date) -> ColumnElement[bool]:
    """SQL: the row had happened by the end of `as_of` (China time)."""
    return happened_before(occurred_on, recorded_at, end_of_day(as_of))


def happened_before(occurred_on: Any, recorded_at: Any, cut: datetime) -> ColumnElement[bool]:
    """SQL: the row had happened before `cut`, the start of a day in China (`end_of_day(as_of)`)."""
    first_day_after = cut.astimezone(CHINA_TZ).date()
    return or_(occurred_on < first_day_after, and_(occurred_on.is_(None), recorded_at < cut))


def latest_first(occurred_on: Any, recorded_at: Any, row_id: Any) -> tuple[Any, ...]:
    """ORDER BY terms: the latest happening first (the day, then the server's order within it)."""
    return (occurred_on.desc().nulls_last(), recorded_at.desc(), row_id.desc())


def day_of(occurred_on: date | None, recorded_at: datetime) -> date:
    """The day a row happened: its `occurred_on`, else the China day of its server time."""
    return occurred_on if occurred_on is not None else recorded_at.astimezone(CHINA_TZ).date()


def step_day(step: Any) -> date:
    """The day a closure step (`ClosureStep`) happened, for documents and as-of readers."""
    return day_of(step.occurred_on, step.at)
