"""Calendar periods as reports, indicators and the ladder name them: `2024`, `2024-Q3`, `2024-11`
or a range `2024-01-01/2024-11-30`. One place for the period maths that indicator values, the
re-attestation of 长期坚持 tasks (`attestation`) and the notifier's ladder all count in."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

#: the cycles a recurring duty runs on (re-attestation of long-term tasks)
Cycle = Literal["monthly", "quarterly", "yearly"]
CYCLES: tuple[str, ...] = ("monthly", "quarterly", "yearly")
MONTHS_IN = {"monthly": 1, "quarterly": 3, "yearly": 12}


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a year, a quarter, a month or an inclusive date range."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, other: "Period") -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: "Period") -> bool:
        return self.start <= other.end and other.start <= self.end

    def year_before(self) -> "Period":
        """The same period one year earlier (a range ending on 29 Feb ends on 28 Feb)."""
        return parse_period(_shift_label(self))


YEAR_LABEL = re.compile(r"^(\d{4})$")
QUARTER_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")
MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
RANGE_LABEL = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year - 1, day=28)


def _shift_label(p: Period) -> str:
    if RANGE_LABEL.match(p.label):
        return f"{_minus_year(p.start).isoformat()}/{_minus_year(p.end).isoformat()}"
    year = int(p.label[:4]) - 1
    return f"{year:04d}{p.label[4:]}"


def parse_period(text: str) -> Period:
    """`2024`, `2024-Q3`, `2024-11` or `2024-01-01/2024-11-30`; ValueError with the reason otherwise."""
    text = text.strip()
    if m := YEAR_LABEL.match(text):
        y = int(m[1])
        return _checked(date(y, 1, 1), date(y, 12, 31), text)
    if m := QUARTER_LABEL.match(text):
        y, q = int(m[1]), int(m[2])
        first = 3 * q - 2
        return _checked(date(y, first, 1), date(y, first + 2, calendar.monthrange(y, first + 2)[1]), text)
    if m := MONTH_LABEL.match(text):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise ValueError(f"no month {mo:02d}")
        return _checked(date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1]), text)
    if m := RANGE_LABEL.match(text):
        try:
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError as exc:
            raise ValueError(f"not a date: {exc}") from None
        if end < start:
            raise ValueError("the range ends before it starts")
        return _checked(start, end, text)
    raise ValueError("a period is YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD/YYYY-MM-DD")


def _checked(start: date, end: date, label: str) -> Period:
    if start.year < 1900:
        raise ValueError("a period starts in 1900 or later")
    return Period(start, end, label)


def period_of(cycle: str, day: date) -> Period:
    """The `cycle` period (month, quarter or year) holding `day`; ValueError on an unknown cycle."""
    months = MONTHS_IN.get(cycle)
    if months is None:
        raise ValueError(f"unknown cycle {cycle!r}")
    first_month = months * ((day.month - 1) // months) + 1
    start = date(day.year, first_month, 1)
    after = first_month + months
    end = (date(day.year + 1, 1, 1) if after > 12 else date(day.year, after, 1)) - timedelta(days=1)
    if months == 1:
        label = f"{day.year}-{day.month:02d}"
    elif months == 3:
        label = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    else:
        label = str(day.year)
    return Period(start, end, label)


def last_complete_period(cycle: str, as_of: date) -> Period:
    """The latest `cycle` period that ended before `as_of`."""
    return period_of(cycle, period_of(cycle, as_of).start - timedelta(days=1))
