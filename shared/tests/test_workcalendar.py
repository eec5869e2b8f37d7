"""The pure work calendar: properties over any date, and official cases from the package's data."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectify_shared.workcalendar import DayKind, Override, WorkCalendar, YearData, package_years

PACKAGE = WorkCalendar(package_years())
#: an office-style calendar that also knows 2027 (illustrative data, not the State Council's)
EXTENDED = WorkCalendar(
    {
        **package_years(),
        2027: YearData({date(2027, 1, 1): "元旦"}, {date(2027, 1, 9): "元旦"}, "office"),
    }
)

any_day = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
counts = st.integers(min_value=1, max_value=60)
calendars = st.sampled_from([PACKAGE, EXTENDED, WorkCalendar({})])


@given(calendars, any_day, counts)
def test_nth_workday_is_the_nth_working_day_from_start(cal, start, n):
    end = cal.nth_workday(start, n)
    assert end.day >= start
    assert cal.is_workday(end.day)
    assert cal.workdays_between(start, end.day) == n


@given(calendars, any_day, counts)
def test_nth_workday_after_is_strictly_later_and_skips_the_day_itself(cal, day, n):
    after = cal.nth_workday_after(day, n)
    assert after.day > day
    assert cal.is_workday(after.day)
    assert cal.workdays_between(day + timedelta(days=1), after.day) == n


@given(calendars, any_day, counts)
def test_back_and_forward_are_inverse(cal, day, n):
    end = cal.nth_workday(day, n).day
    # counting back n from the n-th working day lands on the first working day at or after `day`
    assert cal.nth_workday_back(end, n).day == cal.nth_workday(day, 1).day
    back = cal.nth_workday_back(day, n).day
    assert back <= day and cal.is_workday(back)
    assert cal.workdays_between(back, day) == n
    if cal.is_workday(day):
        assert cal.nth_workday(back, n).day == day


@given(calendars, any_day, st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=400))
def test_workdays_between_adds_up_over_adjacent_ranges(cal, start, a, b):
    mid, end = start + timedelta(days=a), start + timedelta(days=a + b)
    whole = cal.workdays_between(start, end)
    assert whole == cal.workdays_between(start, mid) + cal.workdays_between(mid + timedelta(days=1), end)
    assert whole == sum(1 for d in cal.days(start, end) if d.is_workday)
    assert cal.workdays_between(end + timedelta(days=1), end) == 0


@settings(max_examples=300, deadline=None)
@given(any_day, counts)
def test_any_date_1990_to_2100_never_raises(day, n):
    for cal in (PACKAGE, EXTENDED):
        cal.day(day)
        cal.nth_workday(day, n)
        cal.nth_workday_after(day, n)
        cal.nth_workday_back(day, n)


@given(st.dates(min_value=date(2027, 1, 1), max_value=date(2100, 12, 31)))
def test_a_year_without_data_is_provisional_and_weekends_only(day):
    info = PACKAGE.day(day)
    assert info.provisional and info.name is None
    assert info.kind == (DayKind.weekend if day.weekday() >= 5 else DayKind.workday)
    assert not PACKAGE.has_official(day.year)


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)), counts)
def test_counts_within_official_years_are_not_provisional(day, n):
    if day <= date(2026, 11, 1):  # 60 working days fit before the end of 2026
        assert not PACKAGE.nth_workday(day, n).provisional


def test_a_count_reaching_into_a_year_without_data_is_provisional():
    counted = PACKAGE.nth_workday(date(2026, 12, 28), 10)
    assert counted.provisional and counted.day == date(2027, 1, 8)  # 12-28…12-31 + 1-1…1-8, weekends off
    assert not EXTENDED.nth_workday(date(2026, 12, 28), 10).provisional


def test_package_years_cover_2004_to_2026():
    years = package_years()
    assert min(years) == 2004 and max(years) == 2026
    assert all(d.weekday() >= 5 for y in years.values() for d in y.makeup_workdays)


def test_2026_new_year():
    """元旦 2026: Jan 1–3 off, Sunday Jan 4 a make-up working day (package data)."""
    assert [PACKAGE.day(date(2026, 1, d)).kind for d in (1, 2, 3, 4)] == [
        DayKind.holiday,
        DayKind.holiday,
        DayKind.holiday,
        DayKind.makeup_workday,
    ]
    assert PACKAGE.day(date(2026, 1, 1)).name == "元旦"
    # a 5-working-day 公示 from Monday 2025-12-29: 12-29, 12-30, 12-31, 1-4 (Sunday, 调休), 1-5
    publicity = PACKAGE.nth_workday(date(2025, 12, 29), 5)
    assert publicity.day == date(2026, 1, 5) and not publicity.provisional


def test_2025_national_day_and_mid_autumn():
    """国庆节+中秋节 2025: Oct 1–8 off; Sunday Sep 28 and Saturday Oct 11 make-up working days."""
    year = package_years()[2025]
    assert {d for d in year.holidays if d.month == 10} == {date(2025, 10, d) for d in range(1, 9)}
    assert year.holidays[date(2025, 10, 6)] == "中秋节" and year.holidays[date(2025, 10, 1)] == "国庆节"
    assert {d for d in year.makeup_workdays if d.month in (9, 10)} == {date(2025, 9, 28), date(2025, 10, 11)}
    # a 10-working-day notice from Monday 2025-09-29: 9-29, 9-30, then 10-9, 10-10, 10-11 (Saturday,
    # 调休), 10-13 … 10-17
    notice = PACKAGE.nth_workday(date(2025, 9, 29), 10)
    assert notice.day == date(2025, 10, 17) and not notice.provisional
    # had Sunday 9-28 been the start, it counts itself (a make-up working day)
    assert PACKAGE.nth_workday(date(2025, 9, 28), 1).day == date(2025, 9, 28)
    assert PACKAGE.nth_workday_after(date(2025, 9, 30), 1).day == date(2025, 10, 9)
    assert PACKAGE.nth_workday_back(date(2025, 10, 8), 1).day == date(2025, 9, 30)


def test_an_office_year_replaces_the_package_year_wholly():
    office = YearData({date(2026, 1, 1): "元旦"}, {}, "office")
    cal = WorkCalendar({**package_years(), 2026: office})
    assert cal.day(date(2026, 1, 2)).kind == DayKind.workday  # the package's Jan 2 holiday is gone
    assert cal.day(date(2026, 1, 4)).kind == DayKind.weekend


def test_n_below_one_is_an_error():
    with pytest.raises(ValueError):
        PACKAGE.nth_workday(date(2025, 1, 1), 0)


_OVERRIDES = {
    date(2024, 7, 11): Override(DayKind.holiday, "那达慕"),  # a Thursday off
    date(2024, 7, 13): Override(DayKind.makeup_workday, "补班"),  # a Saturday worked
    date(2024, 10, 1): Override(DayKind.makeup_workday, "值守"),  # a national holiday worked
    date(2024, 9, 29): Override(DayKind.holiday, "本地休息"),  # the country's make-up Sunday, rested here
    date(2031, 5, 5): Override(DayKind.holiday, "无官方数据之年"),
}


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2003, 1, 1), date(2032, 12, 31)), st.integers(0, 3000), st.booleans())
def test_counted_workdays_equal_the_day_by_day_walk(start, span, with_overrides):
    """The arithmetic count equals looking at every day: package years, a year without data,
    an org's overrides (a weekday off, a weekend worked, a holiday worked, a make-up day rested)."""
    cal = WorkCalendar(package_years(), _OVERRIDES if with_overrides else None)
    end = start + timedelta(days=span)
    assert cal.workdays_between(start, end) == cal.count_walked(start, end)
    assert cal.workdays_between(end, start) == (cal.count_walked(end, start) if span == 0 else 0)
