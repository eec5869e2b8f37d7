"""Issue 18, seen #10: history starts when it happened, in the reports too.

An office starting mid-round records a problem, its start and a progress report with the days
they happened (`occurred_on`); the ledger report as of those days shows them, where before every
fact carried the day it was typed in and an earlier report was empty of it.
"""

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from rectify_shared import clock
from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.models import InspectionRound
from report_worker.ledger_load import load_ledger_snapshot

from .conftest import render_demo_report


async def test_the_ledger_as_of_an_earlier_day_shows_what_the_office_recorded_for_it(app, client, demo_round):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    today = clock.today()
    found, started, reported = (today - timedelta(days=n) for n in (90, 60, 30))
    body = {
        "round_id": demo_round,
        "category": "补录的问题",
        "description": "补录：某旗污水处理厂超标排放",
        "lead_org_id": orgs["阿巴嘎旗"],
        "occurred_on": found.isoformat(),
    }
    issue = (await client.post("/api/v1/issues", json=body)).json()
    r = await client.patch(
        f"/api/v1/issues/{issue['id']}", json={"status": "in_progress", "occurred_on": started.isoformat()}
    )
    assert r.status_code == 200, r.text
    body = {"text": "提标改造", "responsible_org_id": orgs["阿巴嘎旗"], "occurred_on": found.isoformat()}
    measure = (await client.post(f"/api/v1/issues/{issue['id']}/measures", json=body)).json()["id"]
    for status, day in (("in_progress", started), ("completed", reported)):
        r = await client.patch(f"/api/v1/measures/{measure}", json={"status": status, "occurred_on": day.isoformat()})
        assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/issues/{issue['id']}/progress",
        json={"text": "补录进展：提标改造完成招标", "occurred_on": reported.isoformat()},
    )
    assert r.status_code == 201, r.text

    async def ledger(as_of):
        """The problem's block in the ledger as of a day: its line and the 整改进展情况 after it."""
        md = await render_demo_report(app, demo_round, ReportKind.ledger, ReportFormat.md, as_of)
        text = md.decode("utf-8")
        at = text.find("补录：某旗污水处理厂超标排放")
        return None if at < 0 else text[at:].split("\n\n")[1]

    assert await ledger(found - timedelta(days=1)) is None
    assert await ledger(found) == "整改进展情况：未启动"
    on_start = await ledger(started)
    assert on_start is not None and on_start.startswith("整改进展情况：正在推进") and "提标改造" not in on_start

    async def snapshot_issue(as_of):
        """The snapshot every ledger format renders: the problem as of a day."""
        job = SimpleNamespace(round_id=demo_round, as_of=as_of, org_path=await office_path(), scope_exact=False)
        async with app.state.rectify.read_sessions() as s:
            snapshot = await load_ledger_snapshot(s, job)
        return next(i for c in snapshot.categories for i in c.issues if i.seq == issue["seq"])

    async def office_path():
        async with app.state.rectify.read_sessions() as s:
            return (await s.execute(select(InspectionRound.org_path).where(InspectionRound.id == demo_round))).scalar()

    assert (await snapshot_issue(reported - timedelta(days=1))).latest_progress is None
    assert (await snapshot_issue(reported)).latest_progress == "补录进展：提标改造完成招标"
    # the measure's status too, as it stood each day
    for day, status in ((found, "not_started"), (started, "in_progress"), (reported, "completed")):
        assert [m.status for m in (await snapshot_issue(day)).measures] == [status], day
