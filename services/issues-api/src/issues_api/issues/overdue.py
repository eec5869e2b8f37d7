"""Where open work stands against its deadline on a day (pure): how the ledger file counts it
(report-worker `ledger_marks`) and the ladder warns.

- overdue: still open after its deadline day; working days overdue are those after the deadline
  up to the as-of day (a Friday deadline is 0 working days overdue on Saturday, 1 on Monday);
- due soon: open, not overdue, at most the policy's warning window of working days in
  (as-of day, deadline].
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.escalation_policy import DEFAULT_POLICY, Policy, warning_window
from rectify_shared.models import EscalationPolicy
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


async def warning_days(session: AsyncSession, round_id: int | None) -> int:
    """The round's warning window in working days (its escalation policy, else the default); 0 when
    the policy never warns ahead of a deadline."""
    stored = None
    if round_id is not None:
        stored = (
            await session.execute(
                select(col(EscalationPolicy.policy)).where(col(EscalationPolicy.round_id) == round_id)
            )
        ).scalar_one_or_none()
    policy = Policy.model_validate(stored) if stored is not None else DEFAULT_POLICY
    return warning_window(policy) or 0
