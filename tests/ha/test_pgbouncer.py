"""The API through PgBouncer in transaction mode (RECTIFY_PGBOUNCER=1): a smoke subset — create a
round, issues, measures and progress, list, stats — from many concurrent clients over few server
connections, with 0 errors (a leftover prepared statement or session state would show here)."""

import asyncio
from typing import Any

import pytest

from issues_api.main import create_app

from .conftest import app_settings, asyncpg_url, signed_in
from .servers import PgBouncer

pytestmark = pytest.mark.ha

CLIENTS = 8
ROUNDS_EACH = 3


async def smoke(client: Any, worker: int, org_id: int, errors: list[str]) -> None:
    def check(r: Any, status: int, what: str) -> Any:
        if r.status_code != status:
            errors.append(f"client {worker}: {what}: {r.status_code} {r.text[:300]}")
            return None
        return r.json()

    for n in range(ROUNDS_EACH):
        r = await client.post("/api/v1/rounds", json={
            "name": f"压测轮次{worker}-{n}", "inspection_team": "督察组", "target_region": "锡林郭勒盟",
            "org_id": org_id,
        })  # fmt: skip
        rnd = check(r, 201, "create round")
        if rnd is None:
            continue
        issue = check(await client.post("/api/v1/issues", json={
            "round_id": rnd["id"], "category": "其他需要关注的问题方面", "description": f"问题{worker}-{n}",
            "lead_org_id": org_id,
        }), 201, "create issue")  # fmt: skip
        if issue is None:
            continue
        r = await client.post(f"/api/v1/issues/{issue['id']}/measures", json={"text": "措施"})
        measure = check(r, 201, "measure")
        if measure is not None:
            r = await client.post(f"/api/v1/measures/{measure['id']}/progress", json={"text": "进展"})
            check(r, 201, "progress")
        check(await client.patch(f"/api/v1/issues/{issue['id']}", json={"status": "in_progress"}), 200, "patch")
        listed = check(await client.get("/api/v1/issues", params={"round_id": rnd["id"]}), 200, "list")
        if listed is not None and [i["id"] for i in listed["items"]] != [issue["id"]]:
            errors.append(f"client {worker}: list of round {rnd['id']} is {listed['items']}")
        stats = check(await client.get("/api/v1/stats/issues", params={"round_id": rnd["id"]}), 200, "stats")
        if stats is not None and "in_progress" not in str(stats):
            errors.append(f"client {worker}: stats of round {rnd['id']} miss the status change: {stats}")


async def test_smoke_subset_through_pgbouncer_transaction_mode(pg_root, pg_primary, tmp_path, helpers):
    bouncer = PgBouncer(pg_root, pg_primary)
    bouncer.start()
    try:
        settings = app_settings(tmp_path, asyncpg_url(bouncer.url()), pgbouncer=True, db_pool_size=CLIENTS)
        app = create_app(settings, run_relay=True)  # the outbox relay's queries go through PgBouncer too
        async with app.router.lifespan_context(app):
            await helpers.load_demo_into(app)
            clients = [await signed_in(app) for _ in range(CLIENTS)]
            try:
                orgs = (await clients[0].get("/api/v1/orgs", params={"limit": 200})).json()["items"]
                league = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
                errors: list[str] = []
                await asyncio.gather(*(smoke(c, i, league, errors) for i, c in enumerate(clients)))
            finally:
                for c in clients:
                    await c.aclose()
        assert errors == []
        [(rounds,)] = pg_primary.query("SELECT count(*) FROM inspection_round WHERE name LIKE '压测轮次%%'")
        assert rounds == CLIENTS * ROUNDS_EACH
    finally:
        bouncer.stop()
