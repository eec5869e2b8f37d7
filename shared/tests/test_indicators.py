"""Indicator arithmetic: periods, exact totals, year-on-year change, percent of target, schedule."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectify_shared.indicator_figures import Reported, Spec, figures, sentence
from rectify_shared.indicators import (
    Direction,
    IndicatorKind,
    Observation,
    Plan,
    Schedule,
    change_vs_last_year,
    cumulative,
    fmt,
    implausible,
    overall_schedule,
    partial_overlap,
    percent_of_target,
    period_text,
)
from rectify_shared.periods import parse_period

D = Decimal
TODAY = date(2024, 12, 15)


@pytest.mark.parametrize(
    ("text", "start", "end", "spoken"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "2024年"),
        ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30), "2024年第3季度"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024年2月"),
        ("2024-01-01/2024-11-30", date(2024, 1, 1), date(2024, 11, 30), "2024年截至11月底"),
        ("2024-12-15/2024-12-15", date(2024, 12, 15), date(2024, 12, 15), "截至2024年12月15日"),
        ("2024-03-05/2024-04-10", date(2024, 3, 5), date(2024, 4, 10), "2024年3月5日至2024年4月10日"),
    ],
)
def test_periods(text, start, end, spoken):
    p = parse_period(text)
    assert (p.start, p.end, p.label) == (start, end, text)
    assert period_text(p) == spoken


@pytest.mark.parametrize(
    "text",
    [
        "24",
        "2024-Q0",
        "2024-Q5",
        "2024-13",
        "2024-00",
        "2024-02-30/2024-03-01",
        "2024-05-01/2024-04-30",
        "2024/2025",
        "1800",
        "",
    ],
)
def test_bad_periods_say_why(text):
    with pytest.raises(ValueError, match=r".+"):
        parse_period(text)


def test_the_seed_total_is_exact():
    series = [
        Observation(parse_period(p), D(v))
        for p, v in (("2022", "27.63"), ("2023", "16.27"), ("2024-01-01/2024-11-30", "17.21"))
    ]
    assert fmt(cumulative(series)) == "61.11"
    tenths = [Observation(parse_period(p), D(v)) for p, v in (("2024-01", "0.1"), ("2024-02", "0.2"))]
    assert fmt(cumulative(tenths)) == "0.3"  # in binary floats 0.1 + 0.2 is 0.30000000000000004


months = st.lists(st.integers(1, 12), min_size=1, max_size=12, unique=True)
amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(months, st.data())
def test_cumulative_adds_disjoint_periods_and_ignores_the_ones_inside_a_reported_one(ms, data):
    series = [Observation(parse_period(f"2024-{m:02d}"), data.draw(amounts)) for m in ms]
    assert cumulative(series) == sum((o.value for o in series), D(0))
    year = Observation(parse_period("2024"), data.draw(amounts))
    assert cumulative([*series, year]) == year.value  # the year's figure already holds its months
    assert partial_overlap(parse_period("2024-Q2"), [o.period for o in series]) is None


def test_a_partial_overlap_is_found():
    q1 = parse_period("2024-Q1")
    assert partial_overlap(parse_period("2024-03-01/2024-04-30"), [q1]) == q1
    assert partial_overlap(parse_period("2024-04"), [q1]) is None


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 400))
def test_the_same_period_last_year_is_one_year_earlier(start, length):
    p = parse_period(f"{start.isoformat()}/{(start + timedelta(days=length)).isoformat()}")
    before = p.year_before()
    assert before.start.year == p.start.year - 1 and before.end.year == p.end.year - 1
    assert before.start.month == p.start.month and abs(before.end.day - p.end.day) <= 1


def test_change_is_against_the_same_period_only():
    air = [
        Observation(parse_period("2023-01-01/2023-11-30"), D("93.4")),
        Observation(parse_period("2024-01-01/2024-11-30"), D("96.7")),
    ]
    change = change_vs_last_year(air)
    assert change is not None and fmt(change.delta) == "3.3" and change.previous_value == D("93.4")
    assert change_vs_last_year([Observation(parse_period("2023"), D(1)), air[1]]) is None


def test_percent_of_target():
    assert percent_of_target(D("31.3"), D("35"), Direction.HIGHER) == D("89.4")
    assert percent_of_target(D("20"), D("25"), Direction.HIGHER) == D("80.0")
    assert percent_of_target(D("40"), D("35"), Direction.LOWER) == D("87.5")  # PM2.5 40 against 35
    assert percent_of_target(D("1"), None, Direction.HIGHER) is None


@given(st.integers(0, 3000), amounts, amounts)
def test_the_straight_line_runs_from_baseline_to_target(day, baseline, gain):
    plan = Plan(baseline, date(2022, 1, 1), baseline + gain, date(2025, 12, 31), Direction.HIGHER)
    on = date(2021, 1, 1) + timedelta(days=day)
    expected = plan.expected(on)
    assert baseline <= expected <= baseline + gain
    assert plan.expected(on + timedelta(days=1)) >= expected
    assert plan.schedule(expected, on) == Schedule.on_schedule
    if gain > 0 and date(2022, 1, 1) < on:
        assert plan.schedule(baseline - 1, on) == Schedule.behind


def test_lower_is_better_plans():
    plan = Plan(D(40), date(2024, 1, 1), D(30), date(2025, 1, 1), Direction.LOWER)
    mid = date(2024, 7, 2)
    assert plan.expected(mid) == D(35)
    assert plan.schedule(D(34), mid) == Schedule.on_schedule and plan.schedule(D(36), mid) == Schedule.behind


@pytest.mark.parametrize(
    ("kind", "unit", "value", "reason"),
    [
        (IndicatorKind.cumulative, "平方公里", "-0.01", "negative"),
        (IndicatorKind.ratio, "%", "100.5", "exceed 100"),
        (IndicatorKind.level, "％", "101", "exceed 100"),
        (IndicatorKind.level, "微克/立方米", "1e13", "magnitude"),
        (IndicatorKind.level, "微克/立方米", "0.0000001", "decimal places"),
    ],
)
def test_implausible_values(kind, unit, value, reason):
    assert reason in (implausible(kind, unit, D(value)) or "")


def test_plausible_values_pass():
    assert implausible(IndicatorKind.ratio, "%", D(100)) is None
    assert implausible(IndicatorKind.level, "微克/立方米", D(120)) is None  # a concentration may pass 100


def test_figures_and_sentences_for_counts_by_stage():
    spec = Spec(
        "餐厨垃圾处理设施",
        "个",
        IndicatorKind.count_by_stage,
        Direction.HIGHER,
        D(0),
        date(2022, 11, 1),
        D(11),
        date(2025, 12, 31),
    )
    stages = (
        ("built", "已建成", 8),
        ("trial", "试运行", 1),
        ("construction", "在建", 1),
        ("preparation", "前期手续", 1),
    )
    values = [Reported(parse_period("2024-12-15/2024-12-15"), stages=stages)]
    f = figures(spec, values, None, TODAY)
    assert (f.latest_value, f.stages_total, f.percent_of_target, f.schedule) == (8, 11, D("72.7"), Schedule.on_schedule)
    assert sentence(spec, values, f) == (
        "餐厨垃圾处理设施（截至2024年12月15日）：共11个，已建成8个，试运行1个，在建1个，前期手续1个，"
        "目标到2025年11个，完成目标的72.7%，达到序时进度"
    )
    assert figures(spec, values, date(2024, 12, 1), TODAY).latest is None  # the period had not begun


def test_a_task_is_behind_when_any_of_its_indicators_is():
    assert overall_schedule([Schedule.on_schedule, None, Schedule.behind]) == Schedule.behind
    assert overall_schedule([Schedule.on_schedule, None]) == Schedule.on_schedule
    assert overall_schedule([None]) is None
