"""Issue 19 finding #9 in the scan: each unit's working days are counted on its own org's
calendar — the root's, with the overrides of the orgs above it and its own (the nearest wins)."""

from datetime import date

from notifier.escalation.scan import run_scan
from rectify_shared.calendar_store import CalendarBook
from rectify_shared.enums import OrgKind
from rectify_shared.workcalendar import DayKind, Override, WorkCalendar

from .escalation_data import Ledger, escalations

DEADLINE = date(2024, 12, 31)
#: a league's own break: with it, the 20th has five working days left (23, 24, 25, 30, 31)
BREAK = {date(2024, 12, 26): "holiday", date(2024, 12, 27): "holiday"}


async def test_finding_09_a_leagues_override_changes_the_scan_for_its_units_only(db):
    async with db() as s:
        ledger = await Ledger(s).setup()
        await ledger.org("league_2", OrgKind.league, "region")
        await ledger.org("dept_c", OrgKind.department, "league_2")
        own = await ledger.issue(1, lead="dept_a", deadline=DEADLINE)  # under the league
        other = await ledger.issue(2, lead="dept_c", deadline=DEADLINE)  # under another league
        await ledger.issue(3, lead="county", deadline=DEADLINE)  # under the league, with its own days
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 20))).created == 0  # seven working days left everywhere
    async with db() as s:
        ledger.s = s
        await ledger.override("league", BREAK)
        # the county works those two days after all: the nearest org's arrangement wins
        await ledger.override("county", {d: "makeup_workday" for d in BREAK})
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 20))).created == 1
    (warning,) = await escalations(db)
    assert warning.issue_id == own.id and warning.level == "warning"
    assert warning.reason == "整改任务距完成时限（2024-12-31）仅剩5个工作日"
    assert warning.response_due == date(2024, 12, 31)  # the answer is due on the league's calendar too
    # the other league's unit gets its warning when its own (the root's) calendar says so
    await run_scan(db, date(2024, 12, 24))
    warned = {e.issue_id for e in await escalations(db) if e.level == "warning"}
    assert other.id in warned


def test_finding_09_the_nearest_orgs_override_of_a_day_wins():
    base = WorkCalendar({})
    day = date(2024, 12, 26)  # a Thursday
    book = CalendarBook(
        base,
        {
            "/1/": {day: Override(DayKind.holiday, "根单位")},
            "/1/5/": {day: Override(DayKind.makeup_workday, "盟")},
        },
    )
    assert book.for_path("/1/").day(day).kind == DayKind.holiday
    assert book.for_path("/1/5/9/").day(day).kind == DayKind.makeup_workday
    assert book.for_path("/1/6/").day(day).kind == DayKind.holiday  # the root's override applies everywhere
    assert book.for_path("/2/").is_workday(day)  # another tree: never the first tree's days
    zones = book.zones()
    assert [(z.path, z.excluded) for z in zones] == [(None, ("/1/", "/1/5/")), ("/1/", ("/1/5/",)), ("/1/5/", ())]
    assert [z.contains("/1/5/9/") for z in zones] == [False, False, True]
    assert [z.contains("/1/6/") for z in zones] == [False, True, False]
    assert [z.contains("/2/") for z in zones] == [True, False, False]
