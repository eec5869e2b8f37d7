"""按期完成率 counts against the ORIGINAL deadline: an approved extension does not turn late work into
on-time work, and overdue counts against the original too — the extended figures stand beside them."""

from datetime import date, timedelta
from typing import Any

from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today


async def _round(client: Any) -> tuple[int, int]:
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    body = {
        "name": "按期完成率测试轮次",
        "inspection_team": "测试督察组",
        "target_region": "锡林郭勒盟",
        "org_id": orgs["锡林郭勒盟"],
    }
    r = await client.post("/api/v1/rounds", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"], orgs["阿巴嘎旗"]


async def _task(client: Any, round_id: int, org_id: int, deadline: date, text: str) -> int:
    body = {"round_id": round_id, "category": "测试", "description": text, "lead_org_id": org_id}
    r = await client.post("/api/v1/issues", json={**body, "deadline": deadline.isoformat()})
    assert r.status_code == 201, r.text
    issue_id: int = r.json()["id"]
    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "in_progress"})).status_code == 200
    return issue_id


async def _extend(client: Any, unit: Any, issue_id: int, to: date) -> None:
    r = await unit.post(
        f"/api/v1/issues/{issue_id}/extension-requests",
        json={"reason": "冬季停工", "proposed_deadline": to.isoformat()},
    )
    assert r.status_code == 201, r.text
    assert (await client.post(f"/api/v1/extension-requests/{r.json()['id']}/approve", json={})).status_code == 200


async def _deadlines(client: Any, round_id: int, as_of: date | None = None) -> dict[str, Any]:
    url = f"/api/v1/stats/issues?round_id={round_id}" + (f"&as_of={as_of.isoformat()}" if as_of else "")
    r = await client.get(url)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()["deadlines"]
    return result


async def test_on_time_rate_counts_against_the_original_deadline(client, signin, demo_round, monkeypatch):
    unit = await signin("abgq")
    round_id, county = await _round(client)
    soon, later = today() + timedelta(days=3), today() + timedelta(days=60)
    late = await _task(client, round_id, county, soon, "延期后完成")
    prompt = await _task(client, round_id, county, today() + timedelta(days=30), "按期完成")
    waiting = await _task(client, round_id, county, soon, "延期后仍在推进")
    await _task(client, round_id, county, soon, "未延期仍在推进")
    for issue_id in (late, waiting):
        await _extend(client, unit, issue_id, later)
    before = await _deadlines(client, round_id)
    assert before["completed"] == 0 and before["on_time_rate"] is None and before["extended"] == 2

    assert (
        await client.patch(f"/api/v1/issues/{prompt}", json={"status": "completed", "reason": "整改办核定"})
    ).status_code == 200
    # `late` is accepted ten days from now: after its original deadline, before the extended one
    ten_days_on = utcnow() + timedelta(days=10)
    monkeypatch.setattr("issues_api.issues.service.utcnow", lambda: ten_days_on)
    assert (
        await client.patch(f"/api/v1/issues/{late}", json={"status": "completed", "reason": "整改办核定"})
    ).status_code == 200
    monkeypatch.undo()

    now = await _deadlines(client, round_id)
    assert (now["completed"], now["on_time"], now["on_time_extended"]) == (2, 1, 2)
    assert now["on_time_rate"] == 0.5 and now["on_time_rate_extended"] == 1.0
    assert (now["overdue"], now["overdue_extended"]) == (0, 0)  # nothing is past any deadline yet

    # ten days on, the two tasks still in progress are past their original deadline; one was extended
    then = await _deadlines(client, round_id, today() + timedelta(days=10))
    assert (then["overdue"], then["overdue_extended"]) == (2, 1)
    assert then["on_time_rate"] == 0.5

    # as of before the tasks existed there is nothing to count
    empty = await _deadlines(client, round_id, today() - timedelta(days=1))
    assert empty["completed"] == 0 and empty["overdue"] == 0 and empty["extended"] == 0


async def test_issue_states_are_the_rows_stats_counts_as_of_a_day(client, signin, demo_round):
    """The dashboard's tile map and timeline draw `/stats/issue-states`: each problem's status and the
    deadline in force at the end of the day asked, the same rows `/stats/issues` counts."""
    unit = await signin("abgq")
    round_id, county = await _round(client)
    week_ago = today() - timedelta(days=7)
    body = {"round_id": round_id, "category": "测试", "description": "补录的问题", "lead_org_id": county}
    r = await client.post(
        "/api/v1/issues",
        json={**body, "deadline": (today() + timedelta(days=5)).isoformat(), "occurred_on": week_ago.isoformat()},
    )
    assert r.status_code == 201, r.text
    old = r.json()["id"]
    r = await client.patch(
        f"/api/v1/issues/{old}",
        json={"status": "in_progress", "occurred_on": (week_ago + timedelta(days=2)).isoformat()},
    )
    assert r.status_code == 200, r.text
    await _extend(client, unit, old, today() + timedelta(days=40))
    new = await _task(client, round_id, county, today() + timedelta(days=90), "今天录入的问题")

    async def states(as_of: date) -> dict[int, tuple[str, str | None, str | None]]:
        got = await client.get(f"/api/v1/stats/issue-states?round_id={round_id}&as_of={as_of.isoformat()}")
        assert got.status_code == 200, got.text
        assert got.json()["as_of"] == as_of.isoformat()
        return {i["issue_id"]: (i["status"], i["deadline"], i["original_deadline"]) for i in got.json()["items"]}

    original = (today() + timedelta(days=5)).isoformat()
    # a week ago: only the back-dated problem, not started yet; yesterday: in progress, not yet extended
    assert await states(week_ago) == {old: ("not_started", original, original)}
    assert await states(today() - timedelta(days=1)) == {old: ("in_progress", original, original)}
    now = await states(today())
    assert now[old] == ("in_progress", (today() + timedelta(days=40)).isoformat(), original)
    assert now[new][0] == "in_progress"
    # the same rows as the counts
    stats = (await client.get(f"/api/v1/stats/issues?round_id={round_id}&as_of={week_ago.isoformat()}")).json()
    assert stats["total"] == 1 and stats["by_status"]["not_started"] == 1
    # a unit reads its own problems' states; a round out of sight is a 404
    mine = (await unit.get(f"/api/v1/stats/issue-states?round_id={round_id}")).json()["items"]
    assert {i["issue_id"] for i in mine} == {old, new}
    assert (await client.get("/api/v1/stats/issue-states?round_id=999999")).status_code == 404
