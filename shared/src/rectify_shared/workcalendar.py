"""China's official working days, as pure functions of calendar data (no I/O here).

Official data (holidays and make-up workdays, 调休) comes per year: from the office's
`calendar_day` table, else from the chinese-calendar package. A year with neither falls back to
"weekends are rest days" and every answer that touches it is provisional — never an error.

Counting conventions (the ones notices use):
- `nth_workday(start, n)`: the n-th working day counting `start` itself when it is one
  (a 公示 "为期10个工作日" starting on a working day ends on the 10th, start included);
- `nth_workday_after(day, n)`: the n-th working day strictly after `day` ("deadline + n");
- `nth_workday_back(end, n)`: the n-th working day counting back from `end`, `end` included.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

#: a bound on searching for working days: no real calendar has a 60-day break
_MAX_SPAN = 10_000


class DayKind(StrEnum):
    workday = "workday"
    weekend = "weekend"
    holiday = "holiday"
    makeup_workday = "makeup_workday"


@dataclass(frozen=True)
class YearData:
    """One year's official arrangement."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    makeup_workdays: Mapping[date, str] = field(default_factory=dict)
    source: str = "package"  # "package" | "office"


@dataclass(frozen=True)
class Day:
    day: date
    kind: DayKind
    name: str | None
    provisional: bool

    @property
    def is_workday(self) -> bool:
        return self.kind in (DayKind.workday, DayKind.makeup_workday)


@dataclass(frozen=True)
class Counted:
    """A computed date, and whether any year it depended on lacked official data."""

    day: date
    provisional: bool


@dataclass(frozen=True)
class Override:
    """An org's own arrangement of one day (a local holiday such as 那达慕, or a working day
    that is a rest day elsewhere); it applies to the org's subtree."""

    kind: DayKind  # holiday | makeup_workday
    name: str


class WorkCalendar:
    def __init__(self, years: Mapping[int, YearData], overrides: Mapping[date, Override] | None = None) -> None:
        self._years = dict(years)
        self._overrides = dict(overrides or {})
        #: the official days that change a weekday's answer, in order, and the running sum of
        #: their changes (built at the first count: the calendar is cached per process)
        self._changes: tuple[list[date], list[int]] | None = None

    def with_overrides(self, overrides: Mapping[date, Override]) -> "WorkCalendar":
        """This calendar with an org's overrides on top (a deeper org's overrides are applied
        later, so the nearest org's arrangement of a day wins)."""
        if not overrides:
            return self
        derived = WorkCalendar(self._years, {**self._overrides, **overrides})
        derived._changes = self._changes if self._changes is not None else self._index_changes()  # the same years
        return derived

    def has_official(self, year: int) -> bool:
        return year in self._years

    def day(self, d: date) -> Day:
        own = self._overrides.get(d)
        if own is not None:
            return Day(d, own.kind, own.name, d.year not in self._years)
        data = self._years.get(d.year)
        if data is None:
            weekend = d.weekday() >= 5
            return Day(d, DayKind.weekend if weekend else DayKind.workday, None, True)
        if d in data.holidays:
            return Day(d, DayKind.holiday, data.holidays[d], False)
        if d in data.makeup_workdays:
            return Day(d, DayKind.makeup_workday, data.makeup_workdays[d], False)
        return Day(d, DayKind.weekend if d.weekday() >= 5 else DayKind.workday, None, False)

    def is_workday(self, d: date) -> bool:
        return self.day(d).is_workday

    def days(self, start: date, end: date) -> Iterator[Day]:
        d = start
        while d <= end:
            yield self.day(d)
            d += timedelta(days=1)

    def _walk(self, first: date, step: int, n: int) -> Counted:
        if n < 1:
            raise ValueError("n must be at least 1")
        provisional = False
        d, found = first, 0
        for _ in range(_MAX_SPAN):
            info = self.day(d)
            provisional = provisional or info.provisional
            if info.is_workday:
                found += 1
                if found == n:
                    return Counted(d, provisional)
            d += timedelta(days=step)
        raise ValueError("no working day within reach")  # unreachable with any real calendar

    def nth_workday(self, start: date, n: int) -> Counted:
        return self._walk(start, 1, n)

    def nth_workday_after(self, day: date, n: int) -> Counted:
        return self._walk(day + timedelta(days=1), 1, n)

    def nth_workday_back(self, end: date, n: int) -> Counted:
        return self._walk(end, -1, n)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in [start, end] (0 when end < start).

        Counted, not walked: the weekdays in the range, then each official or overriding day in it
        that changes a weekday's answer (a holiday on a weekday, a make-up Saturday). A problem list
        asks it for every distinct deadline on a page, over spans of years (`count_walked` is the
        day-by-day definition it equals; tests hold them together)."""
        if end < start:
            return 0
        days, running = self._changes if self._changes is not None else self._index_changes()
        count = _weekdays(start, end) + running[bisect_right(days, end)] - running[bisect_left(days, start)]
        if self._overrides:  # each overridden day: its own answer instead of the shared calendar's
            shared = WorkCalendar(self._years)
            for d, own in self._overrides.items():
                if start <= d <= end:
                    count += (own.kind in _WORKING) - shared.is_workday(d)
        return count

    def _index_changes(self) -> tuple[list[date], list[int]]:
        """The official days that change a weekday's answer (a holiday on a weekday: -1, a make-up
        weekend day: +1) in order, and `running[i]`: the sum of the changes before `days[i]`; so
        the changes in [start, end] are a difference of two running sums (two bisections), not a
        look at every holiday of every year in the span."""
        changes: dict[date, int] = {}
        for year, data in self._years.items():
            for d in data.holidays:
                if d.year == year and d.weekday() < 5:
                    changes[d] = -1
            for d in data.makeup_workdays:
                if d.year == year and d not in data.holidays and d.weekday() >= 5:
                    changes[d] = 1
        days = sorted(changes)
        running = [0]
        for d in days:
            running.append(running[-1] + changes[d])
        self._changes = (days, running)
        return self._changes

    def count_walked(self, start: date, end: date) -> int:
        """`workdays_between` by its definition: every day in [start, end] looked at."""
        return sum(1 for d in self.days(start, end) if d.is_workday)


_WORKING = (DayKind.workday, DayKind.makeup_workday)


def _weekdays(start: date, end: date) -> int:
    """Mondays to Fridays in [start, end] (end ≥ start)."""
    weeks, rest = divmod((end - start).days + 1, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < 5)


#: English names in the chinese-calendar package → the names the State Council uses
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_years() -> dict[int, YearData]:
    """The official years the chinese-calendar package knows (2004–2026 in 1.11)."""
    from chinese_calendar import constants

    years: dict[int, YearData] = {}
    by_year_h: dict[int, dict[date, str]] = {}
    by_year_w: dict[int, dict[date, str]] = {}
    for d, name in constants.holidays.items():
        by_year_h.setdefault(d.year, {})[d] = HOLIDAY_NAMES_ZH.get(str(name), str(name))
    for d, name in constants.workdays.items():
        if d.weekday() >= 5:  # the package lists every workday; only weekend ones are 调休
            by_year_w.setdefault(d.year, {})[d] = HOLIDAY_NAMES_ZH.get(str(name), str(name))
    for year in set(by_year_h) | set(by_year_w):
        years[year] = YearData(by_year_h.get(year, {}), by_year_w.get(year, {}), "package")
    return years
