"""`GET /stats/issues?as_of=D` gives its last answer again while the round's change tokens are the
ones it was made under (`stats.router._past`): after every kind of write that moves a past day's
figure — a problem recorded back then, a status change, a backdated status change that moves only
the problem's runs of days (its figures today stay as they were), a lead org renamed — the answer is
the one built afresh, with nothing kept, for the office and a leader over a league's subtree, for
one round and all."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from issues_api.core.kept import Kept
from issues_api.stats import router as stats_router
from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import IssueStatus
from rectify_shared.models import Issue, IssueStatusChange
from rectify_shared.timezone import today

DAY = today() - timedelta(days=5)
PATHS = ["/api/v1/stats/issues?as_of={day}", "/api/v1/stats/issues?round_id={round_id}&as_of={day}"]


async def _answers(client: Any, round_id: int) -> list[Any]:
    out = []
    for path in PATHS:
        r = await client.get(path.format(round_id=round_id, day=DAY.isoformat()))
        assert r.status_code == 200, r.text
        out.append(r.json())
    return out


async def _check(clients: list[Any], round_id: int) -> list[Any]:
    """Every client's answers, twice kept and once fresh, all equal; the office's."""
    office = []
    for c in clients:
        kept = await _answers(c, round_id)
        assert await _answers(c, round_id) == kept
        held = stats_router._PAST  # (the kept answers stay for the next write's check)
        stats_router._PAST = Kept(stats_router._PAST_MAX)
        try:
            assert await _answers(c, round_id) == kept
        finally:
            stats_router._PAST = held
        office = office or kept
    return office


async def test_a_past_days_answer_follows_every_write(app, client, signin, demo_round):
    clients = [client, await signin("leader")]  # the office; a leader over the league's subtree
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    county = orgs["阿巴嘎旗"]
    first = await _check(clients, demo_round)

    body = {"round_id": demo_round, "category": "测试方面", "description": "补录的问题", "lead_org_id": county["id"],
            "occurred_on": (DAY - timedelta(days=10)).isoformat()}  # fmt: skip
    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    issue_id = r.json()["id"]
    created = await _check(clients, demo_round)
    assert created[1]["total"] == first[1]["total"] + 1
    assert created[1]["by_status"]["not_started"] == first[1]["by_status"]["not_started"] + 1

    on = (DAY - timedelta(days=2)).isoformat()
    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "in_progress", "occurred_on": on})
    assert r.status_code == 200, r.text
    moved = await _check(clients, demo_round)
    assert moved[1]["by_status"]["in_progress"] == created[1]["by_status"]["in_progress"] + 1

    # a status change recorded as of a day before the last one: the problem's status today is the
    # same (no figure of today moves), its status as of DAY is not
    today_before = (await client.get(f"/api/v1/stats/issues?round_id={demo_round}")).json()
    async with make_sessionmaker(app.state.rectify.engine)() as s:
        issue = (await s.execute(select(Issue).where(Issue.id == issue_id))).scalar_one()
        done, back = IssueStatus.completed, IssueStatus.in_progress
        for before, after, on in ((issue.status, done, DAY - timedelta(days=1)), (done, back, DAY + timedelta(days=1))):
            s.add(IssueStatusChange(issue_id=issue_id, from_status=before, to_status=after, changed_by="t",
                                    occurred_on=on))  # fmt: skip
        await s.commit()
    today_after = (await client.get(f"/api/v1/stats/issues?round_id={demo_round}")).json()
    assert today_after["by_status"] == today_before["by_status"]
    backdated = await _check(clients, demo_round)
    assert backdated[1]["by_status"]["in_progress"] == moved[1]["by_status"]["in_progress"] - 1
    assert backdated[1]["by_status"]["completed"] == moved[1]["by_status"]["completed"] + 1

    r = await client.patch(f"/api/v1/orgs/{county['id']}", json={"name": "阿巴嘎旗（更名）"})
    assert r.status_code == 200, r.text
    renamed = await _check(clients, demo_round)
    names = {o["org_id"]: o["org_name"] for o in renamed[1]["by_org"]}
    assert names[county["id"]] == "阿巴嘎旗（更名）"
