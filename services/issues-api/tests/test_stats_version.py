"""The change token of today's dashboard groups (`stats_tally_version`, kept by
`rectify_shared.stats_tally` in the writing transaction): a write that moves a figure gives its round
a new token, and the next answer is the one built afresh; a progress report, which moves no figure,
leaves the token alone (the busiest write takes no lock on the round's token row)."""

from typing import Any

from sqlalchemy import select

from issues_api.stats import router as stats_router
from rectify_shared.db import make_engine
from rectify_shared.models.stats import StatsTallyVersion


async def _tokens(db_url: str) -> dict[int, int]:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(StatsTallyVersion.round_id, StatsTallyVersion.token))  # type: ignore[call-overload]
            return {r: t for r, t in rows}
    finally:
        await engine.dispose()


async def _answer(client: Any, round_id: int) -> Any:
    r = await client.get(f"/api/v1/stats/issues?round_id={round_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def _fresh(client: Any, round_id: int) -> Any:
    stats_router._LAST.clear()
    return await _answer(client, round_id)


async def test_a_status_change_renews_the_token_and_the_answer_follows(client, db_url, demo_round):
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    body = {
        "round_id": demo_round,
        "category": "测试方面",
        "description": "新问题",
        "lead_org_id": orgs["阿巴嘎旗"]["id"],
    }
    before = await _answer(client, demo_round)
    tokens = await _tokens(db_url)
    assert demo_round in tokens

    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    created = await _tokens(db_url)
    assert created[demo_round] != tokens[demo_round]
    kept = await _answer(client, demo_round)
    assert kept["total"] == before["total"] + 1
    assert kept == await _fresh(client, demo_round)

    r = await client.patch(f"/api/v1/issues/{r.json()['id']}", json={"status": "in_progress"})
    assert r.status_code == 200, r.text
    assert (await _tokens(db_url))[demo_round] not in (tokens[demo_round], created[demo_round])
    moved = await _answer(client, demo_round)
    assert moved["by_status"]["in_progress"] == kept["by_status"]["in_progress"] + 1
    assert moved == await _fresh(client, demo_round)


async def test_a_progress_report_keeps_the_token(client, signin, db_url, demo_round):
    unit = await signin("abgq")
    issue_id = (await unit.get("/api/v1/issues?limit=1")).json()["items"][0]["id"]
    before = await _answer(client, demo_round)
    tokens = await _tokens(db_url)

    r = await unit.post(f"/api/v1/issues/{issue_id}/progress", json={"text": "完成治理面积17.21平方公里"})
    assert r.status_code == 201, r.text
    assert await _tokens(db_url) == tokens
    assert await _answer(client, demo_round) == before == await _fresh(client, demo_round)
