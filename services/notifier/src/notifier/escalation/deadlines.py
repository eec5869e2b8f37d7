"""Deadline rules two ways: per item (the definition) and as threshold dates (what the scan
hands to SQL). A property test proves the two agree on every calendar."""

from datetime import date, timedelta

from rectify_shared.escalation_policy import AfterDeadline, BeforeDeadline
from rectify_shared.workcalendar import WorkCalendar


def remaining_days_before(rule: BeforeDeadline, deadline: date, calendar: WorkCalendar, as_of: date) -> int | None:
    """Working days in (as_of, deadline] when the rule fires, else None."""
    if as_of > deadline:
        return None
    count, day = 0, as_of + timedelta(days=1)
    while day <= deadline:
        if calendar.is_workday(day):
            count += 1
            if count > rule.working_days:
                return None
        day += timedelta(days=1)
    return count


def fires_after(rule: AfterDeadline, deadline: date, calendar: WorkCalendar, as_of: date) -> bool:
    if rule.working_days == 0:
        return as_of > deadline
    return as_of >= calendar.nth_workday_after(deadline, rule.working_days).day


def deadline_thresholds(
    trigger: BeforeDeadline | AfterDeadline, calendar: WorkCalendar, as_of: date
) -> tuple[date | None, date]:
    """(lo, hi): the rule fires for an open task iff lo <= deadline < hi (no lower bound when lo is None)."""
    if isinstance(trigger, BeforeDeadline):
        return as_of, calendar.nth_workday_after(as_of, trigger.working_days + 1).day
    if trigger.working_days == 0:
        return None, as_of
    return None, calendar.nth_workday_back(as_of, trigger.working_days).day


def remaining_thresholds(trigger: BeforeDeadline, calendar: WorkCalendar, as_of: date) -> list[date]:
    """t_1..t_N, the k-th working days after as_of: a firing deadline has #{k: t_k <= deadline} days left."""
    return [calendar.nth_workday_after(as_of, k).day for k in range(1, trigger.working_days + 1)]
