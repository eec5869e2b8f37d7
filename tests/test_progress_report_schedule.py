"""The opening's 达到序时进度 / 滞后 count: derived from a problem's indicators where it has any,
the flag set by hand otherwise.

The demo's problems in progress are 3 (mines), 7 (wetland) and 9 (kitchen-waste plants), each
with one indicator; by hand all three are marked on schedule. As of 2024-12-15 the wetland rate's
only figure is the 2021 finding, 31.3 % against a straight line to 35 % that stands at 34.04 %.
"""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from rectify_shared import clock
from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.models import Indicator, IndicatorValue, Issue
from rectify_shared.schedule import issue_schedules
from rectify_shared.timezone import CHINA_TZ

from .conftest import render_demo_report

WETLAND = "湿地保护率（全区）"


async def opening(app: Any, round_id: int) -> str:
    md = (await render_demo_report(app, round_id, ReportKind.progress_report, ReportFormat.md)).decode("utf-8")
    return next(line for line in md.splitlines() if "整改任务" in line)


async def issue_id(client: Any, round_id: int, seq: int) -> int:
    items = (await client.get(f"/api/v1/issues?round_id={round_id}&limit=200")).json()["items"]
    return int(next(i["id"] for i in items if i["seq"] == seq))


async def wetland(app: Any) -> Indicator:
    async with app.state.rectify.read_sessions() as s:
        return (await s.execute(select(Indicator).where(Indicator.name == WETLAND))).scalar_one()


async def test_indicators_decide_over_the_flag_set_by_hand(app, client, demo_round):
    assert "正在推进3项（达到序时进度2项、滞后1项）" in await opening(app, demo_round)

    # by hand, the mines are now marked behind: their indicator (61.11 km² ≥ 59.12 planned) says otherwise
    r = await client.patch(f"/api/v1/issues/{await issue_id(client, demo_round, 3)}", json={"on_schedule": False})
    assert r.status_code == 200, r.text
    assert "正在推进3项（达到序时进度2项、滞后1项）" in await opening(app, demo_round)


async def test_a_figure_that_catches_up_with_the_plan_puts_the_problem_on_schedule(app, demo_round):
    ind = await wetland(app)
    async with app.state.rectify.write_sessions() as s:
        s.add(
            IndicatorValue(
                indicator_id=ind.id,
                org_id=ind.org_id,
                org_path=ind.org_path,
                period="2024",
                period_start=date(2024, 1, 1),
                period_end=date(2024, 12, 31),
                value=Decimal("34.5"),
                reported_by="test",
                reported_at=datetime.combine(date(2024, 12, 10), time(9), tzinfo=CHINA_TZ),
            )
        )
        await s.commit()
    assert "正在推进3项（达到序时进度3项）" in await opening(app, demo_round)


async def test_without_indicators_the_flag_set_by_hand_counts(app, client, demo_round):
    ind = await wetland(app)
    async with app.state.rectify.write_sessions() as s:
        await s.execute(update(Indicator).where(Indicator.id == ind.id).values(issue_id=None))
        await s.commit()
    assert "正在推进3项（达到序时进度3项）" in await opening(app, demo_round)  # the demo's flag: on schedule

    r = await client.patch(f"/api/v1/issues/{await issue_id(client, demo_round, 7)}", json={"on_schedule": False})
    assert r.status_code == 200, r.text
    assert "正在推进3项（达到序时进度2项、滞后1项）" in await opening(app, demo_round)


async def test_stats_and_the_report_count_the_same_behind_on_any_day(app, client, demo_round):
    """Issue 18, seen #9: /stats/issues said 0 behind while the progress report for the same day said
    滞后; with `as_of`, `in_progress_schedule` was null."""
    url = f"/api/v1/stats/issues?round_id={demo_round}&as_of=2024-12-15"
    stats = (await client.get(url)).json()
    assert stats["in_progress_schedule"] == {"on_schedule": 2, "behind": 1, "unknown": 0}
    assert "正在推进3项（达到序时进度2项、滞后1项）" in await opening(app, demo_round)


async def test_the_ledger_reads_behind_by_the_one_definition_on_the_fast_path_and_the_framework_path(
    app, client, demo_round
):
    """The ledger's `on_schedule` was the stored flag: the demo's wetland problem (7), marked on
    schedule by hand, read 达到序时进度 in the ledger while its indicator (the schedule) says 滞后."""
    seven = await issue_id(client, demo_round, 7)
    async with app.state.rectify.read_sessions() as s:
        stored = dict((await s.execute(select(Issue.id, Issue.on_schedule).where(Issue.status == "in_progress"))).all())
        expected = await issue_schedules(s, list(stored), clock.today())
    assert stored[seven] is True and expected[seven] is False  # by hand on schedule; by its indicator behind
    stats = (await client.get(f"/api/v1/stats/issues?round_id={demo_round}&as_of={clock.today()}")).json()
    assert stats["in_progress_schedule"]["behind"] == sum(1 for v in expected.values() if v is False)

    async def ledger() -> dict[str, Any]:
        listed = (await client.get(f"/api/v1/issues?round_id={demo_round}&limit=200")).json()["items"]
        lead = next(i for i in listed if i["id"] == seven)["lead_org"]["id"]
        by_org = (await client.get(f"/api/v1/issues?round_id={demo_round}&org_id={lead}")).json()["items"]
        return {
            "list": {i["id"]: i["on_schedule"] for i in listed if i["id"] in stored},
            "list by org": next(i["on_schedule"] for i in by_org if i["id"] == seven),
            "detail": {i: (await client.get(f"/api/v1/issues/{i}")).json()["on_schedule"] for i in stored},
        }

    want = {"list": expected, "list by org": False, "detail": expected}
    assert await ledger() == want  # the fast path (on PostgreSQL: without an ORM session)
    app.dependency_overrides[ledger] = ledger  # any override sends the reads through FastAPI's routing
    try:
        assert await ledger() == want
    finally:
        app.dependency_overrides.clear()
