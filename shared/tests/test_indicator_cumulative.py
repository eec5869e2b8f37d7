"""`indicators.cumulative` (one sweep by start) totals any series as the pair-by-pair rule did:
a period inside another reported period (a different one, if with the same days under another
label) is already counted in it, and a period reported twice counts once, its first value."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rectify_shared.indicators import Observation, cumulative
from rectify_shared.periods import Period, parse_period


def pairwise(series: list[Observation]) -> Decimal:
    """The rule as it was first written: every observation against every other."""
    outer = [o for o in series if not any(p.period != o.period and p.period.contains(o.period) for p in series)]
    seen: set[Period] = set()
    total = Decimal(0)
    for o in outer:
        if o.period not in seen:
            seen.add(o.period)
            total += o.value
    return total


def _label(kind: int, year: int, n: int, d1: date, d2: date) -> str:
    if kind == 0:
        return str(year)
    if kind == 1:
        return f"{year}-Q{n % 4 + 1}"
    if kind == 2:
        return f"{year}-{n % 12 + 1:02d}"
    lo, hi = min(d1, d2), max(d1, d2)
    return f"{lo.isoformat()}/{hi.isoformat()}"


days = st.dates(min_value=date(2022, 1, 1), max_value=date(2024, 12, 31))
periods = st.builds(_label, st.integers(0, 3), st.integers(2022, 2024), st.integers(0, 11), days, days).map(
    parse_period
)
observations = st.builds(Observation, periods, st.integers(0, 500).map(Decimal))


@given(st.lists(observations, max_size=40))
def test_the_sweep_totals_as_the_pairwise_rule(series):
    assert cumulative(series) == pairwise(series)


def test_the_same_days_under_two_labels_contain_each_other():
    year, span, month = parse_period("2024"), parse_period("2024-01-01/2024-12-31"), parse_period("2024-03")
    series = [Observation(month, Decimal(5)), Observation(year, Decimal(7)), Observation(span, Decimal(9))]
    assert cumulative(series) == pairwise(series) == Decimal(0)
    nested = [Observation(month, Decimal(5)), Observation(year, Decimal(7)), Observation(year, Decimal(8))]
    assert cumulative(nested) == pairwise(nested) == Decimal(7)
