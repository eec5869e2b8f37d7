"""Indicators (指标): periods, and the figures derived from reported values — never typed.

Pure functions of data and dates (no database): period parsing, cumulative totals, the change
against the same period last year, percent of target, the straight-line schedule (达到序时进度 /
滞后) and plausibility bounds. Values are `Decimal` throughout: 27.63 + 16.27 + 17.21 is 61.11.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from .periods import MONTH_LABEL, QUARTER_LABEL, YEAR_LABEL, Period


class IndicatorKind(StrEnum):
    cumulative = "cumulative"  # an amount per period that adds up (km² restored)
    level = "level"  # a level at a time (PM2.5 µg/m³)
    ratio = "ratio"  # a percentage, 0–100 (优良天数比率)
    count_by_stage = "count_by_stage"  # how many are at each stage (已建成 / 试运行 / 在建 / 前期手续)
    #: a target in words (保持达标), judged met or not met per period by the office
    qualitative = "qualitative"


class Direction(StrEnum):
    # upper-case names: a member called `lower` would hide str.lower
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better


class Frequency(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    yearly = "yearly"
    irregular = "irregular"


class Schedule(StrEnum):
    on_schedule = "on_schedule"  # 达到序时进度
    behind = "behind"  # 滞后


SCHEDULE_TEXT = {Schedule.on_schedule: "达到序时进度", Schedule.behind: "滞后"}

#: units that mean "a percentage": values above 100 are implausible
PERCENT_UNITS = frozenset({"%", "％", "percent"})
#: the largest magnitude a value may have (and at most 6 decimal places)
MAX_VALUE = Decimal("1e12")
MAX_PLACES = 6


def period_text(p: Period) -> str:
    """The period as a report says it: 2022年, 2024年第3季度, 2024年11月, 2024年截至11月底."""
    if YEAR_LABEL.match(p.label):
        return f"{p.start.year}年"
    if m := QUARTER_LABEL.match(p.label):
        return f"{m[1]}年第{m[2]}季度"
    if MONTH_LABEL.match(p.label):
        return f"{p.start.year}年{p.start.month}月"
    if p.start == p.end:
        return f"截至{p.end.year}年{p.end.month}月{p.end.day}日"
    month_end = p.end.day == calendar.monthrange(p.end.year, p.end.month)[1]
    if p.start == date(p.start.year, 1, 1) and p.start.year == p.end.year and month_end:
        return f"{p.start.year}年截至{p.end.month}月底"
    return f"{p.start.year}年{p.start.month}月{p.start.day}日至{p.end.year}年{p.end.month}月{p.end.day}日"


def parse_decimal(raw: object) -> Decimal:
    """A finite decimal; floats go through their shortest text (0.1 stays 0.1)."""
    if isinstance(raw, bool):
        raise ValueError("not a number")
    try:
        value = Decimal(str(raw)) if isinstance(raw, int | float | str) else Decimal(raw)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("not a number") from None
    if not value.is_finite():
        raise ValueError("not a finite number")
    return value


def implausible(kind: IndicatorKind, unit: str, value: Decimal) -> str | None:
    """Why a reported value cannot be right, or None. (Counts per stage: `implausible_stages`.)"""
    if abs(value) >= MAX_VALUE:
        return f"magnitude must be below {MAX_VALUE:f}"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PLACES:
        return f"at most {MAX_PLACES} decimal places"
    if value < 0:
        return "a negative value is not plausible for this indicator"
    if (kind == IndicatorKind.ratio or unit.strip() in PERCENT_UNITS) and value > 100:
        return "a percentage cannot exceed 100"
    return None


def implausible_stages(counts: Sequence[tuple[str, int]]) -> str | None:
    if not counts:
        return "at least one stage is needed"
    keys = [k for k, _ in counts]
    if len(set(keys)) != len(keys):
        return "each stage once"
    if any(n < 0 for _, n in counts):
        return "a count cannot be negative"
    return None


@dataclass(frozen=True)
class Observation:
    """One reported value of one org: the amount (or level) in the period."""

    period: Period
    value: Decimal


def cumulative(series: Sequence[Observation]) -> Decimal:
    """The total over the periods; a period inside another reported one (another: a different
    period, if with the same days under another label) is already counted in it; a period
    reported twice counts once (its first value in the series' order)."""
    inner = _inside_another({o.period for o in series})
    seen: set[Period] = set()
    total = Decimal(0)
    for o in series:
        if o.period not in seen and o.period not in inner:
            seen.add(o.period)
            total += o.value
    return total


def _inside_another(periods: set[Period]) -> set[Period]:
    """The periods contained in another of `periods`, in one sweep by start (not pair by pair:
    a monthly series of years is hundreds of values): one is inside another when an earlier-
    starting one ends on or after its end, or another of the same start does."""
    inner: set[Period] = set()
    reach: date | None = None  # the latest end of the periods starting before the group's start
    ordered = sorted(periods, key=lambda p: (p.start, p.end))  # groups of one start, ends ascending
    i = 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j].start == ordered[i].start:
            j += 1
        group = ordered[i:j]
        longest = group[-1].end
        for k, p in enumerate(group):
            others_reach = longest if k < len(group) - 1 else (group[-2].end if len(group) > 1 else None)
            if (reach is not None and reach >= p.end) or (others_reach is not None and others_reach >= p.end):
                inner.add(p)
        reach = longest if reach is None or longest > reach else reach
        i = j
    return inner


def partial_overlap(new: Period, existing: Sequence[Period]) -> Period | None:
    """An existing period that overlaps `new` without one containing the other (it would double count)."""
    for p in existing:
        if p.overlaps(new) and not p.contains(new) and not new.contains(p):
            return p
    return None


@dataclass(frozen=True)
class Change:
    previous_period: Period
    previous_value: Decimal
    delta: Decimal


def change_vs_last_year(series: Sequence[Observation]) -> Change | None:
    """The latest observation against the same period a year earlier (a ratio's delta is in
    percentage points); None when that period was not reported."""
    if not series:
        return None
    latest = series[-1]
    before = latest.period.year_before()
    prev = next((o for o in series if o.period.start == before.start and o.period.end == before.end), None)
    if prev is None:
        return None
    return Change(prev.period, prev.value, latest.value - prev.value)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent_of_target(actual: Decimal, target: Decimal | None, direction: Direction) -> Decimal | None:
    """How much of the target is reached, in percent (one decimal): actual over target when
    higher is better, target over actual when lower is better (at or below the target is 100 or more)."""
    if target is None:
        return None
    if direction == Direction.LOWER:
        return percent(target, actual) if actual != 0 else None
    return percent(actual, target)


@dataclass(frozen=True)
class Plan:
    """The straight line from the baseline to the target."""

    baseline: Decimal
    baseline_date: date
    target: Decimal
    target_date: date
    direction: Direction

    def expected(self, on: date) -> Decimal:
        """Where the plan stands on a day (the baseline before it starts, the target after it ends)."""
        span = (self.target_date - self.baseline_date).days
        if span <= 0 or on >= self.target_date:
            return self.target
        if on <= self.baseline_date:
            return self.baseline
        share = Decimal((on - self.baseline_date).days) / Decimal(span)
        return self.baseline + (self.target - self.baseline) * share

    def schedule(self, actual: Decimal, on: date) -> Schedule:
        expected = self.expected(on)
        ahead = actual >= expected if self.direction == Direction.HIGHER else actual <= expected
        return Schedule.on_schedule if ahead else Schedule.behind


def plan_of(
    baseline: Decimal | None,
    baseline_date: date | None,
    target: Decimal | None,
    target_date: date | None,
    direction: Direction,
) -> Plan | None:
    if baseline is None or baseline_date is None or target is None or target_date is None:
        return None
    return Plan(baseline, baseline_date, target, target_date, direction)


def overall_schedule(schedules: Sequence[Schedule | None]) -> Schedule | None:
    """A task is on schedule when every judged indicator is; None when none was judged."""
    judged = [s for s in schedules if s is not None]
    if not judged:
        return None
    return Schedule.behind if Schedule.behind in judged else Schedule.on_schedule


def fmt(value: Decimal) -> str:
    """A value as printed: no exponent, no trailing zeros (61.110 → 61.11, 8.0 → 8)."""
    return f"{value.normalize():f}" if value != 0 else "0"
