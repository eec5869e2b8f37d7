"""Re-attestation periods of long-term tasks and the next due date (pure functions), and the one
period model that indicators, attestation and the ladder share (`rectify_shared.periods`)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectify_shared.attestation import next_attestation_due, period_label
from rectify_shared.periods import CYCLES, last_complete_period, parse_period, period_of


@pytest.mark.parametrize(
    ("cycle", "day", "period", "label"),
    [
        ("monthly", date(2024, 2, 10), (date(2024, 2, 1), date(2024, 2, 29)), "2024-02"),
        ("quarterly", date(2024, 11, 30), (date(2024, 10, 1), date(2024, 12, 31)), "2024-Q4"),
        ("quarterly", date(2025, 4, 1), (date(2025, 4, 1), date(2025, 6, 30)), "2025-Q2"),
        ("yearly", date(2024, 7, 1), (date(2024, 1, 1), date(2024, 12, 31)), "2024"),
    ],
)
def test_periods(cycle, day, period, label):
    found = period_of(cycle, day)
    assert (found.start, found.end) == period
    assert period_label(cycle, day) == label


def test_next_due_is_this_period_until_attested_then_the_next():
    today = date(2024, 12, 20)
    assert next_attestation_due("quarterly", None, today) == date(2024, 12, 31)
    assert next_attestation_due("quarterly", date(2024, 9, 30), today) == date(2024, 12, 31)  # last quarter's
    assert next_attestation_due("quarterly", date(2024, 10, 2), today) == date(2025, 3, 31)
    assert next_attestation_due("monthly", date(2024, 12, 1), today) == date(2025, 1, 31)
    assert next_attestation_due("yearly", date(2024, 1, 5), today) == date(2025, 12, 31)


def test_unknown_cycle_is_refused():
    with pytest.raises(ValueError):
        period_of("weekly", date(2024, 1, 1))


@given(st.sampled_from(CYCLES), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_a_cycles_period_is_the_indicator_period_of_its_label_and_the_ladder_checks_the_one_before(cycle, day):
    period = period_of(cycle, day)
    assert period.start <= day <= period.end
    # the label the ladder and the attestation write is the period an indicator value names
    assert parse_period(period.label) == period
    before = last_complete_period(cycle, day)
    assert before.end == period.start - timedelta(days=1)
    assert period_of(cycle, before.start) == before
