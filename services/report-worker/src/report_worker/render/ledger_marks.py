"""Where a ledger row stands against its deadline, as of the snapshot's day (pure).

- overdue: still open after its deadline day; how long, in working days after the deadline
  up to the as-of day (a Friday deadline is 0 working days overdue on Saturday, 1 on Monday);
- warning: still open, not yet overdue, and at most the escalation policy's warning window of
  working days left until the deadline (the ladder's 预警 counts the same way: working days in
  (as-of day, deadline]).

A measure without its own deadline is due with its issue. Answers are cached per deadline:
a ledger of tens of thousands of measures has a few hundred distinct deadlines.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from rectify_shared.enums import MEASURE_DONE, IssueStatus

from ..snapshot import IssueSnapshot, LedgerSnapshot, MeasureSnapshot

_ISSUE_OPEN = (IssueStatus.not_started, IssueStatus.in_progress)


@dataclass(frozen=True, slots=True)
class Mark:
    #: working days past the deadline; None when not overdue
    overdue_workdays: int | None = None
    warning: bool = False

    @property
    def overdue(self) -> bool:
        return self.overdue_workdays is not None

    @property
    def fill(self) -> str | None:
        """ "overdue", "warning" or None: the row's colour."""
        return "overdue" if self.overdue else "warning" if self.warning else None


ON_TIME = Mark()


class DeadlineMarks:
    def __init__(self, snapshot: LedgerSnapshot) -> None:
        self.as_of = snapshot.as_of
        self.calendar = snapshot.calendar
        self.window = snapshot.warning_workdays
        self._cache: dict[date, Mark] = {}

    def issue(self, issue: IssueSnapshot) -> Mark:
        return self._open(issue.deadline) if issue.status in _ISSUE_OPEN else ON_TIME

    def measure(self, measure: MeasureSnapshot, issue: IssueSnapshot) -> Mark:
        if measure.status in MEASURE_DONE:
            return ON_TIME
        return self._open(measure.deadline or issue.deadline)

    def _open(self, deadline: date | None) -> Mark:
        """The mark of an open task due on `deadline`."""
        if deadline is None:
            return ON_TIME
        mark = self._cache.get(deadline)
        if mark is None:
            mark = self._cache[deadline] = self._compute(deadline)
        return mark

    def _compute(self, deadline: date) -> Mark:
        if deadline < self.as_of:
            return Mark(overdue_workdays=self.calendar.workdays_between(deadline + timedelta(days=1), self.as_of))
        if self.window is None:
            return ON_TIME
        left = self.calendar.workdays_between(self.as_of + timedelta(days=1), deadline) if deadline > self.as_of else 0
        return Mark(warning=left <= self.window)
