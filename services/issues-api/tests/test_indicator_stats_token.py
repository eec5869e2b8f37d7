"""Today's `GET /stats/indicators` is the last answer's bytes again while its round's change token
(`indicator_version`, kept by triggers on `indicator`, `indicator_measure` and `indicator_value` in
the writing transaction) is the one it was made under. After every kind of write to the rows the
answer reads — through the API (an indicator defined with its measures, a value reported, a value
corrected) and straight to the tables as an import, the fast path's Core writes or an org move
would (a link added and removed, a target changed, a value's path rewritten, a value and an
indicator deleted) — the token is new and the answer equals the one built afresh, byte for byte,
for one round and for all; SQLite and PostgreSQL."""

from datetime import timedelta
from typing import Any

from sqlalchemy import text

from issues_api.indicators import router as indicators_router
from rectify_shared.db import make_engine
from rectify_shared.timezone import today


async def _sql(db_url: str, statement: str, **params: Any) -> list[Any]:
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def _tokens(db_url: str) -> dict[int, int]:
    return {r: t for r, t in await _sql(db_url, "SELECT round_id, token FROM indicator_version")}


async def _bytes(client: Any, path: str) -> bytes:
    r = await client.get(path)
    assert r.status_code == 200, r.text
    return r.content


async def _check(client: Any, round_id: int) -> list[bytes]:
    """Each path's answer: asked twice (kept the second time) and once with nothing kept, all equal."""
    out = []
    for path in (f"/api/v1/stats/indicators?round_id={round_id}", "/api/v1/stats/indicators"):
        first = await _bytes(client, path)
        assert await _bytes(client, path) == first
        indicators_router._LAST.clear()
        assert await _bytes(client, path) == first
        out.append(first)
    return out


async def test_every_write_renews_the_token_and_the_answer_follows(client, db_url, demo_round):
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    county = orgs["阿巴嘎旗"]
    issue = (await client.get(f"/api/v1/issues?round_id={demo_round}&limit=1")).json()["items"][0]
    measure_ids = [m["id"] for m in (await client.get(f"/api/v1/issues/{issue['id']}")).json()["measures"]]
    assert len(measure_ids) >= 2
    seen = [await _check(client, demo_round)]
    tokens = [await _tokens(db_url)]
    assert demo_round in tokens[0]

    def moved(answers: list[bytes]) -> None:
        """The round's token is new, and the answer changed with it."""
        renewed = tokens[-1]
        assert renewed[demo_round] not in [t[demo_round] for t in tokens[:-1]]
        assert answers[0] != seen[-2][0] and answers[1] != seen[-2][1]

    async def step() -> None:
        tokens.append(await _tokens(db_url))
        seen.append(await _check(client, demo_round))
        moved(seen[-1])

    r = await client.post(
        "/api/v1/indicators",
        json={"name": "治理面积", "unit": "公顷", "kind": "cumulative", "direction": "higher", "baseline": "0",
              "baseline_date": (today() - timedelta(days=60)).isoformat(), "target": "100",
              "target_date": (today() + timedelta(days=60)).isoformat(), "frequency": "irregular",
              "org_id": county["id"], "round_id": demo_round, "issue_id": issue["id"],
              "measure_ids": measure_ids[:1]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    indicator_id = r.json()["id"]
    await step()

    period = f"{(today() - timedelta(days=40)).isoformat()}/{(today() - timedelta(days=1)).isoformat()}"
    url = f"/api/v1/indicators/{indicator_id}/values"
    r = await client.post(url, json={"period": period, "value": "30", "org_id": county["id"]})
    assert r.status_code == 201, r.text
    await step()
    r = await client.post(url, json={"period": period, "value": "90", "org_id": county["id"]})  # corrected
    assert r.status_code == 201, r.text
    await step()

    # straight to the tables, as the fast path's Core writes, an import or an org move write
    link = {"i": indicator_id, "m": measure_ids[1]}
    await _sql(db_url, "INSERT INTO indicator_measure (indicator_id, measure_id) VALUES (:i, :m)", **link)
    await step()
    await _sql(db_url, "DELETE FROM indicator_measure WHERE indicator_id = :i AND measure_id = :m", **link)
    await step()
    await _sql(db_url, "UPDATE indicator SET target = '120' WHERE id = :i", i=indicator_id)
    await step()
    await _sql(db_url, "UPDATE indicator_value SET value = '95' WHERE indicator_id = :i", i=indicator_id)
    await step()
    await _sql(db_url, "DELETE FROM indicator_value WHERE indicator_id = :i", i=indicator_id)
    await step()
    await _sql(db_url, "DELETE FROM indicator_measure WHERE indicator_id = :i", i=indicator_id)
    await step()
    await _sql(db_url, "DELETE FROM indicator WHERE id = :i", i=indicator_id)
    await step()
    assert seen[-1] == seen[0]  # back to the first rows, under a new token


async def test_a_write_to_another_round_leaves_the_token_alone(client, db_url, demo_round):
    await _check(client, demo_round)
    before = await _tokens(db_url)
    r = await client.post(
        "/api/v1/indicators",
        json={"name": "无轮次指标", "unit": "个", "kind": "level", "direction": "higher", "frequency": "irregular",
              "org_id": (await client.get("/api/v1/orgs?limit=1")).json()["items"][0]["id"]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    after = await _tokens(db_url)
    assert after[demo_round] == before[demo_round] and 0 in after and after[0] != before.get(0)
    assert (await _check(client, demo_round))[1] != b""
