"""Where open work stands against its deadline on a day (pure): how the ledger file counts it
(report-worker `ledger_marks`) and the ladder warns.

- overdue: still open after its deadline day; working days overdue are those after the deadline
  up to the as-of day (a Friday deadline is 0 working days overdue on Saturday, 1 on Monday);
- a problem (反馈问题) is open while not started or in progress (completed, completed long-term and
  closed ones are not overdue), and is due on its own deadline;
- a measure (整改措施) is open while neither completed nor waived, and is due on its own deadline,
  else its problem's (`due`); a withdrawn measure, or any measure of a withdrawn problem, is never
  overdue;
- due soon: open, not overdue, at most the policy's warning window of working days in
  (as-of day, deadline].
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlmodel import col

from rectify_shared.calendar_store import UNREAD, load_base_calendar
from rectify_shared.db_fast import fetch
from rectify_shared.enums import MEASURE_DONE, IssueStatus
from rectify_shared.escalation_policy import DEFAULT_POLICY, Policy, warning_window
from rectify_shared.models import EscalationPolicy, Issue
from rectify_shared.workcalendar import WorkCalendar


class DeadlineMarks:
    """Working days overdue per deadline, cached: a page has a few distinct deadlines."""

    def __init__(self, calendar: WorkCalendar, as_of: date) -> None:
        self.calendar = calendar
        self.as_of = as_of
        self._overdue: dict[date, int] = {}

    def days_overdue(self, due: date | None) -> int | None:
        """Working days past `due` on the as-of day for open work; None when not overdue."""
        if due is None or due >= self.as_of:
            return None
        if due not in self._overdue:
            self._overdue[due] = self.calendar.workdays_between(due + timedelta(days=1), self.as_of)
        return self._overdue[due]

    def warning_horizon(self, window: int) -> date:
        """The last deadline within `window` working days after the as-of day (due on or before it
        is "due soon")."""
        if window <= 0:
            return self.as_of
        return self.calendar.nth_workday_after(self.as_of, window).day


#: a problem's statuses that can be overdue
ISSUE_OPEN = frozenset({IssueStatus.not_started.value, IssueStatus.in_progress.value})


def issue_late(as_of: Any) -> ColumnElement[bool]:
    """Open problems due before `as_of` (a value or a bind parameter), as SQL; never NULL, so its
    negation is every other problem (undated ones included)."""
    return and_(
        or_(*(col(Issue.status) == s for s in sorted(ISSUE_OPEN))),  # no IN list: `db.fetch` compiles it once
        col(Issue.deadline).is_not(None),
        col(Issue.deadline) < as_of,
    )


def issue_late_bound() -> ColumnElement[bool]:
    return issue_late(bindparam("overdue_as_of"))


#: a measure's statuses that are never overdue
MEASURE_CLOSED = frozenset(s.value for s in MEASURE_DONE)


async def issues_days_overdue(
    reads: Any, problems: Iterable[tuple[int, str, date | None, Any]], as_of: date, token: Any = UNREAD
) -> dict[int, int]:
    """problem id -> working days overdue on `as_of`, for the open, live ones among `problems`
    (id, status, deadline, withdrawn_at) past their deadline. The work calendar is read only when
    one is (`reads`: a session or the fast path's `ReadConnection`; `token`: the calendar's token
    if the caller read it with its rows, as `load_base_calendar` takes it)."""
    return (await days_overdue_of(reads, problems, (), as_of, token))[0]


async def days_overdue_of(
    reads: Any,
    problems: Iterable[tuple[int, str, date | None, Any]],
    measures: Iterable[tuple[int, str, date | None, bool]],
    as_of: date,
    token: Any = UNREAD,
) -> tuple[dict[int, int], dict[int, int]]:
    """(problem id -> working days overdue, measure id -> working days overdue) on `as_of`: the
    problems as `issues_days_overdue`; the `measures` (id, status, due, live: neither it nor its
    problem withdrawn) open and past `due`, as the measure list counts them. The calendar is read
    once, and only when something is overdue."""
    late = [
        (pid, deadline)
        for pid, status, deadline, withdrawn_at in problems
        if status in ISSUE_OPEN and withdrawn_at is None and deadline is not None and deadline < as_of
    ]
    late_measures = [
        (mid, due)
        for mid, status, due, live in measures
        if live and status not in MEASURE_CLOSED and due is not None and due < as_of
    ]
    if not late and not late_measures:
        return {}, {}
    marks = DeadlineMarks(await load_base_calendar(reads, token), as_of)
    return (
        {pid: days for pid, deadline in late if (days := marks.days_overdue(deadline)) is not None},
        {mid: days for mid, due in late_measures if (days := marks.days_overdue(due)) is not None},
    )


_POLICY = select(col(EscalationPolicy.policy)).where(col(EscalationPolicy.round_id) == bindparam("round_id"))
_DEFAULT_WINDOW = warning_window(DEFAULT_POLICY) or 0


async def warning_days(reads: Any, round_id: int | None) -> int:
    """The round's warning window in working days (its escalation policy, else the default); 0 when
    the policy never warns ahead of a deadline. `reads`: a session or a `ReadConnection`."""
    if round_id is None:
        return _DEFAULT_WINDOW
    rows = await fetch(reads, _POLICY, {"round_id": round_id})
    if not rows or rows[0][0] is None:
        return _DEFAULT_WINDOW
    return warning_window(Policy.model_validate(rows[0][0])) or 0
