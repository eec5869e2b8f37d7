"""`GET /stats/issues` and `GET /stats/indicators` for today give their last answer again while the
rows it was made of are the same (`stats.router._today`, `indicators.router.indicator_stats`; on
PostgreSQL by their change token, and each indicator's judgement by its values' digest): after every
kind of write that moves a figure — a new problem, a status change, a deadline, a lead org renamed,
an indicator, its value — the answer is the one built afresh, with nothing kept, for the office
and a leader over a league's subtree, for one round and all."""

from datetime import timedelta
from typing import Any

from issues_api.indicators import router as indicators_router
from issues_api.stats import router as stats_router
from rectify_shared import indicator_rows
from rectify_shared.timezone import today

PATHS = [
    "/api/v1/stats/issues",
    "/api/v1/stats/issues?round_id={round_id}",
    "/api/v1/stats/indicators",
    "/api/v1/stats/indicators?round_id={round_id}",
]


async def _answers(client: Any, round_id: int) -> list[Any]:
    out = []
    for path in PATHS:
        r = await client.get(path.format(round_id=round_id))
        assert r.status_code == 200, r.text
        out.append(r.json())
    return out


async def _fresh(client: Any, round_id: int) -> list[Any]:
    stats_router._LAST.clear()
    indicators_router._LAST.clear()
    indicator_rows._JUDGED.clear()
    return await _answers(client, round_id)


async def _check(clients: list[Any], round_id: int) -> list[Any]:
    """Every client's answers, twice kept and once fresh, all equal; the office's."""
    office = []
    for c in clients:
        kept = await _answers(c, round_id)
        assert await _answers(c, round_id) == kept
        assert await _fresh(c, round_id) == kept
        office = office or kept
    return office


async def test_todays_answer_follows_every_write(client, signin, demo_round):
    clients = [client, await signin("leader")]  # the office; a leader over the league's subtree
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    county = orgs["阿巴嘎旗"]
    first = await _check(clients, demo_round)

    body = {"round_id": demo_round, "category": "测试方面", "description": "新问题", "lead_org_id": county["id"]}
    r = await client.post("/api/v1/issues", json={**body, "deadline": (today() - timedelta(days=5)).isoformat()})
    assert r.status_code == 201, r.text
    issue_id = r.json()["id"]
    created = await _check(clients, demo_round)
    assert created[1]["total"] == first[1]["total"] + 1
    assert created[1]["deadlines"]["overdue"] == first[1]["deadlines"]["overdue"] + 1

    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "in_progress"})).status_code == 200
    moved = await _check(clients, demo_round)
    assert moved[1]["by_status"]["in_progress"] == created[1]["by_status"]["in_progress"] + 1

    later = (today() + timedelta(days=30)).isoformat()
    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"deadline": later})).status_code == 200
    await _check(clients, demo_round)

    r = await client.patch(f"/api/v1/orgs/{county['id']}", json={"name": "阿巴嘎旗（更名）"})
    assert r.status_code == 200, r.text
    renamed = await _check(clients, demo_round)
    names = {o["org_id"]: o["org_name"] for o in renamed[1]["by_org"]}
    assert names[county["id"]] == "阿巴嘎旗（更名）"

    # an indicator on the problem in progress, then a value that judges it
    r = await client.post(
        "/api/v1/indicators",
        json={"name": "治理面积", "unit": "公顷", "kind": "cumulative", "direction": "higher", "baseline": "0",
              "baseline_date": (today() - timedelta(days=60)).isoformat(), "target": "100",
              "target_date": (today() + timedelta(days=60)).isoformat(), "frequency": "irregular",
              "org_id": county["id"], "round_id": demo_round, "issue_id": issue_id},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    indicator_id = r.json()["id"]
    before_value = await _check(clients, demo_round)
    start, end = today() - timedelta(days=40), today() - timedelta(days=1)
    r = await client.post(
        f"/api/v1/indicators/{indicator_id}/values",
        json={"period": f"{start.isoformat()}/{end.isoformat()}", "value": "90", "org_id": county["id"]},
    )
    assert r.status_code in (200, 201), r.text
    judged = await _check(clients, demo_round)
    assert judged[1]["in_progress_schedule"] != before_value[1]["in_progress_schedule"]
    assert judged[3]["indicators"] != before_value[3]["indicators"]
