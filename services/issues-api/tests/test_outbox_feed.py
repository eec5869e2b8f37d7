"""The outbox: same transaction as the change, positioned in commit order, published to Redis."""

import asyncio
import json
import time
from collections import Counter
from importlib import resources
from typing import Any

import yaml
from arq.connections import ArqRedis
from sqlalchemy import select

from issues_api.demo.loader import read_demo
from issues_api.demo.petitions import DEMO_FILE as PETITIONS_FILE
from issues_api.outbox.relay import assign_positions
from rectify_shared import queue
from rectify_shared.jobs import NOTIFIER_QUEUE, REPORT_WORKER_QUEUE, queue_name
from rectify_shared.models import OutboxEvent


def _demo_feed() -> Counter[str]:
    """The events the demo loader writes: one per problem, petition batch and petition case."""
    petitions = yaml.safe_load(resources.files("issues_api.demo").joinpath(PETITIONS_FILE).read_text("utf-8"))
    return Counter(
        {
            "issue.created": len(read_demo()["issues"]),
            "petition_batch.created": len(petitions["batches"]),
            "petition_case.created": sum(len(b["cases"]) for b in petitions["batches"]),
        }
    )


DEMO_FEED = _demo_feed()
DEMO_EVENTS = sum(DEMO_FEED.values())


async def feed(client, after=None, limit=200):
    url = f"/api/v1/changes?limit={limit}" + (f"&after={after}" if after else "")
    r = await client.get(url)
    assert r.status_code == 200, r.text
    return r.json()


async def test_change_feed_is_ordered_and_resumable(client, app, demo_round):
    relay = app.state.relay
    await relay.run_once()
    first = await feed(client, limit=200)
    assert Counter(c["type"] for c in first["items"]) == DEMO_FEED
    positions = [c["position"] for c in first["items"]]
    assert positions == sorted(positions) and len(set(positions)) == DEMO_EVENTS
    cursor = first["next_cursor"]

    issue_id = first["items"][2]["aggregate_id"]
    assert (
        await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "completed", "reason": "整改办核定"})
    ).status_code == 200
    await relay.run_once()
    nxt = await feed(client, cursor)
    assert [(c["type"], c["aggregate_id"]) for c in nxt["items"]] == [("issue.status_changed", issue_id)]
    assert nxt["items"][0]["data"]["from"] == "in_progress" and nxt["items"][0]["data"]["to"] == "completed"
    # nothing new: same cursor back, no items
    again = await feed(client, nxt["next_cursor"])
    assert again["items"] == [] and again["next_cursor"] == nxt["next_cursor"]
    # paging within the feed
    pages, after = [], None
    while True:
        page = await feed(client, after, limit=5)
        pages += page["items"]
        if not page["items"]:
            break
        after = page["next_cursor"]
    assert [c["id"] for c in pages] == [c["id"] for c in first["items"] + nxt["items"]]
    assert (await client.get("/api/v1/changes?after=garbage")).status_code == 422


async def test_a_failed_write_leaves_no_event(client, app, demo_round):
    async with app.state.rectify.read_sessions() as s:
        before = len((await s.execute(select(OutboxEvent.id))).all())
    r = await client.patch("/api/v1/issues/1", json={"status": "closed"})
    assert r.status_code == 409
    async with app.state.rectify.read_sessions() as s:
        assert len((await s.execute(select(OutboxEvent.id))).all()) == before


async def _unpublished(app: Any) -> int:
    async with app.state.rectify.read_sessions() as s:
        return len((await s.execute(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)))).all())


async def test_relay_publishes_json_jobs_to_each_workers_queue(client, app, demo_round, redis_url, queue_prefix):
    r = await client.post("/api/v1/reports", json={"kind": "ledger", "round_id": demo_round, "format": "md"})
    assert r.status_code == 202
    report_id = r.json()["id"]
    assert r.headers["location"] == f"/api/v1/reports/{report_id}"
    relay = app.state.relay
    # the app's own relay runs too: it may hold a batch this loop then finds nothing in, so wait
    # until every event is published (marked only after its job is in Redis), not for one empty pass
    deadline = time.monotonic() + 30
    while sum(await relay.run_once()) or await _unpublished(app):
        assert time.monotonic() < deadline, "the outbox did not drain"
        await asyncio.sleep(0.05)
    redis: ArqRedis = await queue.connect(redis_url)
    try:
        notifier_jobs = await redis.zcard(queue_name(queue_prefix, NOTIFIER_QUEUE))
        report_jobs = await redis.zrange(queue_name(queue_prefix, REPORT_WORKER_QUEUE), 0, -1)
        assert notifier_jobs == DEMO_EVENTS  # the demo's ledger and petition events; the report request is internal
        assert len(report_jobs) == 1
        raw = await redis.get(f"arq:job:{report_jobs[0].decode()}")
        job = json.loads(raw)  # JSON, not a pickle
        # the job carries the request that asked for it, so the worker's log lines name it too
        assert job["f"] == "render_report"
        assert job["a"] == [{"report_id": report_id, "request_id": r.headers["x-request-id"]}]
    finally:
        await redis.aclose()
    async with app.state.rectify.read_sessions() as s:
        unpublished = (await s.execute(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)))).all()
    assert unpublished == []
    # the report request is not a ledger change: it stays out of the feed
    assert all(c["type"] != "report.requested" for c in (await feed(client))["items"])


async def test_positions_survive_redis_being_down(db_url, tmp_path, helpers):
    """With Redis unreachable the feed still advances; events wait, unpublished, in the database."""
    from issues_api.main import create_app
    from rectify_shared.settings import Settings

    app = create_app(
        Settings(database_url=db_url, redis_url="redis://127.0.0.1:1/0", data_dir=tmp_path), run_relay=False
    )
    async with app.router.lifespan_context(app):
        await helpers.load_demo_into(app)
        c = await helpers.login(app, "admin", helpers.ADMIN_PASSWORD)  # signing in needs no Redis either
        try:
            assert await app.state.relay.run_once() == (DEMO_EVENTS, 0)
            r = await c.post("/api/v1/orgs", json={"name": "测试单位", "kind": "county", "parent_id": 2})
            assert r.status_code == 201, r.text
            assert await app.state.relay.run_once() == (1, 0)
            types = [x["type"] for x in (await feed(c, limit=200))["items"]]
            assert Counter(types[:-1]) == DEMO_FEED and types[-1] == "org.created"
            async with app.state.rectify.read_sessions() as s:
                rows = (await s.execute(select(OutboxEvent.published_at))).all()
            assert rows == [(None,)] * (DEMO_EVENTS + 1)
            assert await assign_positions(app.state.rectify.write_sessions) == 0
        finally:
            await c.aclose()
