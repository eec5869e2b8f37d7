"""The ledger against its deadlines: days overdue in working days on the office's calendar, and
the warning colour within the escalation policy's window."""

import io
from dataclasses import replace
from datetime import date

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.calendar_store import package_data
from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.escalation_policy import DEFAULT_POLICY
from rectify_shared.models import CalendarDay, CalendarYear, EscalationPolicy
from rectify_shared.workcalendar import WorkCalendar
from report_worker.ledger_load import load_ledger_snapshot
from report_worker.render import render_ledger_xlsx
from report_worker.snapshot import CategorySnapshot, LedgerSnapshot, MeasureSnapshot

from .conftest import issue
from .ledger_data import PATHS, ROUND_ID, seed_ledger

OFFICIAL = WorkCalendar(package_data())
RED, YELLOW = "FFFFC7CE", "FFFFEB9C"


def one_issue(as_of: date, *measures: MeasureSnapshot, deadline: date | None = None, **kw: object) -> LedgerSnapshot:
    task = issue(1, "问题", IssueStatus.in_progress, deadline, measures=list(measures))
    return LedgerSnapshot(
        "第二轮中央生态环境保护督察", "督察组", "某盟", as_of, [CategorySnapshot("方面", [task])], **kw
    )  # type: ignore[arg-type]


def measure(seq: int, deadline: date | None, status: MeasureStatus = MeasureStatus.in_progress) -> MeasureSnapshot:
    return MeasureSnapshot(seq, f"措施{seq}", "某局", deadline, status)


def sheet(snapshot: LedgerSnapshot) -> Worksheet:
    return openpyxl.load_workbook(io.BytesIO(render_ledger_xlsx(snapshot)))["整改台账"]


def fill(ws: Worksheet, ref: str) -> str | None:
    f = ws[ref].fill
    return f.fgColor.rgb if f.fill_type == "solid" else None


def test_days_overdue_count_working_days_of_the_official_calendar() -> None:
    # due Friday 2024-09-27; the National Day break is 10-01..10-07, with 调休 on Sunday 09-29:
    # the working days after it up to Tuesday 10-08 are 09-29, 09-30 and 10-08
    due = date(2024, 9, 27)
    ws = sheet(one_issue(date(2024, 10, 8), measure(1, due), calendar=OFFICIAL))
    assert ws["M2"].value == "逾期工作日"
    assert ws["M3"].value == 3 and fill(ws, "M3") == RED
    # on weekends-only data the same dates are seven working days apart
    assert sheet(one_issue(date(2024, 10, 8), measure(1, due), calendar=WorkCalendar({})))["M3"].value == 7
    # the day after a Friday deadline is a Saturday: overdue (red), by 0 working days
    saturday = sheet(one_issue(date(2024, 9, 28), measure(1, due), calendar=OFFICIAL))
    assert saturday["M3"].value == 0 and fill(saturday, "I3") == RED
    # not overdue: blank
    assert sheet(one_issue(due, measure(1, due), calendar=OFFICIAL))["M3"].value is None


def test_a_deadline_within_the_warning_window_is_yellow() -> None:
    as_of = date(2024, 12, 15)  # a Sunday: 12-16..12-20 are the next five working days
    ws = sheet(
        one_issue(
            as_of,
            measure(1, date(2024, 12, 20)),  # 5 working days left: the default window (5) warns
            measure(2, date(2024, 12, 23)),  # 6 left
            measure(3, date(2024, 12, 20), MeasureStatus.completed),  # done: no colour
            measure(4, date(2024, 12, 10)),  # overdue wins
            calendar=OFFICIAL,
        )
    )
    assert [fill(ws, f"I{row}") for row in (3, 4, 5, 6)] == [YELLOW, None, None, RED]
    assert all(fill(ws, f"{col}3") == YELLOW for col in "HIJKLMN")
    assert ws["M3"].value is None and ws["M6"].value == 3


def test_the_warning_window_follows_the_policy() -> None:
    due = one_issue(date(2024, 12, 15), measure(1, date(2024, 12, 23)), calendar=OFFICIAL)
    assert fill(sheet(due), "I3") is None
    assert fill(sheet(replace(due, warning_workdays=6)), "I3") == YELLOW
    assert fill(sheet(replace(due, warning_workdays=None)), "I3") is None


def test_the_issue_columns_take_the_issue_deadline_colour() -> None:
    # the issue is due in three working days; its measure is overdue
    ws = sheet(one_issue(date(2024, 12, 15), measure(1, date(2024, 12, 1)), deadline=date(2024, 12, 18)))
    assert fill(ws, "A3") == YELLOW and fill(ws, "G3") == YELLOW and fill(ws, "H3") == RED


@pytest.mark.asyncio
async def test_the_snapshot_carries_the_office_calendar_and_the_round_policy(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    await seed_ledger(sessions)

    class Scope:
        org_path, as_of, round_id, scope_exact = PATHS[2], date(2024, 12, 15), ROUND_ID, False

    async with make_sessionmaker(engine, write=False)() as s:
        default = await load_ledger_snapshot(s, Scope())
    assert default.warning_workdays == 5 and not default.calendar.has_official(2027)

    policy = DEFAULT_POLICY.model_dump(mode="json")
    policy["rules"][0]["trigger"]["working_days"] = 8
    async with sessions() as s:
        s.add(EscalationPolicy(round_id=ROUND_ID, policy=policy, updated_by="test"))
        s.add(CalendarYear(year=2027, source="office", updated_by="test"))
        s.add(CalendarDay(day=date(2027, 1, 1), year=2027, kind="holiday", name="元旦"))
        await s.commit()
    async with make_sessionmaker(engine, write=False)() as s:
        stored = await load_ledger_snapshot(s, Scope())
    assert stored.warning_workdays == 8
    assert stored.calendar.has_official(2027) and not stored.calendar.is_workday(date(2027, 1, 1))
