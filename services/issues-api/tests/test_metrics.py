"""GET /metrics: what Prometheus sees of issues-api (README "Metrics")."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from issues_api.main import create_app
from rectify_shared.ids import new_id
from rectify_shared.models import OutboxEvent
from rectify_shared.settings import Settings

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def scrape(c: httpx.AsyncClient, **headers: str) -> Samples:
    r = await c.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return parse(r.text)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def quiet_app(settings: Settings) -> AsyncIterator[Any]:
    """The app without its outbox relay: events stay unpublished until the test publishes them."""
    application = create_app(settings, run_relay=False)
    async with application.router.lifespan_context(application):
        yield application


def anon_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test")


async def test_request_counts_rise_by_route_template_without_ids_in_labels(client: Any, anon: Any) -> None:
    issue_id = (await client.get("/api/v1/issues", params={"limit": 1})).json()["items"][0]["id"]
    template = "/api/v1/issues/{issue_id}"
    before = await scrape(anon)
    ok_before = value(before, "rectify_http_requests_total", method="GET", route=template, status="2xx") or 0
    assert (await client.get(f"/api/v1/issues/{issue_id}")).status_code == 200
    assert (await client.get(f"/api/v1/issues/{issue_id}")).status_code == 200
    assert (await client.get("/api/v1/issues/999999999")).status_code == 404
    assert (await anon.get("/no/such/path/12345")).status_code == 404

    after = await scrape(anon)
    assert value(after, "rectify_http_requests_total", method="GET", route=template, status="2xx") == ok_before + 2
    assert value(after, "rectify_http_requests_total", method="GET", route=template, status="4xx") == 1
    assert (value(after, "rectify_http_requests_total", method="GET", route="<unmatched>", status="4xx") or 0) >= 1
    # the latency histogram counts the same requests, in buckets
    assert value(after, "rectify_http_request_duration_seconds_count", method="GET", route=template) == ok_before + 3
    assert value(after, "rectify_http_request_duration_seconds_bucket", method="GET", route=template, le="+Inf") == (
        ok_before + 3
    )
    routes = {dict(labels).get("route") for (_name, labels) in after}
    assert not any(part.isdigit() for r in routes if r for part in r.split("/")), routes
    # the gauges are there too, with a working database and Redis
    assert value(after, "rectify_database_up") == 1
    assert value(after, "rectify_redis_up") == 1
    assert value(after, "rectify_schema_version_ok") == 1


async def test_redis_down_shows_in_metrics_while_the_api_stays_ready(
    db_url: str, tmp_path: Path, queue_prefix: str
) -> None:
    settings = Settings(
        database_url=db_url,
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
        data_dir=tmp_path,
        queue_prefix=queue_prefix,
        rate_limit="",
    )
    app = create_app(settings, run_relay=False)
    async with app.router.lifespan_context(app), anon_client(app) as c:
        started = time.monotonic()
        samples = await scrape(c)
        assert time.monotonic() - started < 5  # a refused connection, not a wait
        assert value(samples, "rectify_redis_up") == 0
        assert value(samples, "rectify_database_up") == 1
        r = await c.get("/readyz")
        assert r.status_code == 200, r.text
        assert r.json()["redis"] == "unavailable"


async def test_a_hung_redis_check_does_not_hold_the_scrape(quiet_app: Any) -> None:
    gauges = quiet_app.state.metrics.gauges

    async def hangs() -> bool:
        await asyncio.sleep(30)
        return True

    gauges.redis.fetch = hangs
    gauges.redis.ttl = 0
    async with anon_client(quiet_app) as c:
        started = time.monotonic()
        samples = await scrape(c)
        assert time.monotonic() - started < 5  # the 1 s budget, not the 30 s hang
        assert value(samples, "rectify_redis_up") == 0  # never answered yet: not up
        await gauges.close()


async def _add_event(app: Any) -> None:
    async with app.state.rectify.write_sessions() as session:
        session.add(
            OutboxEvent(
                id=new_id(), event_type="issue.updated", aggregate_type="issue", aggregate_id=1, payload={"x": 1}
            )
        )
        await session.commit()


async def test_outbox_backlog_counts_unpublished_events_and_is_cached_between_scrapes(quiet_app: Any) -> None:
    gauges = quiet_app.state.metrics.gauges
    gauges.database.ttl = 60  # a cache period no slow test machine outlasts
    async with anon_client(quiet_app) as c:
        first = await scrape(c)
        base = value(first, "rectify_outbox_backlog_events", stage="unpositioned")
        assert base is not None
        await _add_event(quiet_app)
        await _add_event(quiet_app)
        # within the cache period a second scraper gets the same figures (the database is not asked again)
        assert value(await scrape(c), "rectify_outbox_backlog_events", stage="unpositioned") == base

        gauges.database.ttl = 0
        await asyncio.sleep(0.01)
        samples = await scrape(c)
        assert value(samples, "rectify_outbox_backlog_events", stage="unpositioned") == base + 2
        age = value(samples, "rectify_outbox_oldest_unpublished_age_seconds")
        assert age is not None and age >= 0

        # the relay positions them (still unpublished: the backlog moves to the next stage) ...
        relay = quiet_app.state.relay
        from issues_api.outbox.relay import assign_positions

        await assign_positions(relay.sessions)
        samples = await scrape(c)
        assert value(samples, "rectify_outbox_backlog_events", stage="unpositioned") == 0
        assert value(samples, "rectify_outbox_backlog_events", stage="unpublished") == base + 2
        # ... and publishes them: nothing left, and no age
        await relay.run_once()
        samples = await scrape(c)
        assert value(samples, "rectify_outbox_backlog_events", stage="unpublished") == 0
        assert value(samples, "rectify_outbox_oldest_unpublished_age_seconds") == 0


async def test_the_relay_counts_its_own_cpu_and_the_events_it_published(settings: Settings) -> None:
    """The relay runs in the API's process: its CPU is told apart from the requests' (bench/api.py)."""
    application = create_app(settings)  # with its relay running
    async with application.router.lifespan_context(application), anon_client(application) as c:
        before = await scrape(c)
        published = value(before, "rectify_outbox_relay_events_total", step="published")
        assert published is not None
        await _add_event(application)
        await _add_event(application)
        deadline = time.monotonic() + 10
        while application.state.relay.published < published + 2:
            assert time.monotonic() < deadline, "the relay did not publish the two events"
            await asyncio.sleep(0.05)
        after = await scrape(c)
        assert (value(after, "rectify_outbox_relay_events_total", step="published") or 0) >= published + 2
        assert (value(after, "rectify_outbox_relay_events_total", step="positioned") or 0) >= 2
        cpu = value(after, "rectify_outbox_relay_cpu_seconds_total")
        assert cpu is not None and cpu > (value(before, "rectify_outbox_relay_cpu_seconds_total") or 0)


async def test_queued_report_jobs_and_delivery_backlog_are_reported(quiet_app: Any, helpers: Any) -> None:
    round_id = await helpers.load_demo_into(quiet_app)
    quiet_app.state.metrics.gauges.database.ttl = 0
    client = await helpers.login(quiet_app, "admin", helpers.ADMIN_PASSWORD)
    try:
        before = await scrape(client)
        queued = value(before, "rectify_report_jobs", state="queued")
        assert queued is not None
        assert value(before, "rectify_delivery_backlog", state="pending") is not None
        r = await client.post("/api/v1/reports", json={"kind": "ledger", "round_id": round_id, "format": "xlsx"})
        assert r.status_code == 202, r.text
        after = await scrape(client)
        assert value(after, "rectify_report_jobs", state="queued") == queued + 1
    finally:
        await client.aclose()


async def test_a_metrics_token_restricts_the_endpoint(db_url: str, redis_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, redis_url=redis_url, data_dir=tmp_path, metrics_token="scrape-me-7")
    app = create_app(settings, run_relay=False)
    async with app.router.lifespan_context(app), anon_client(app) as c:
        r = await c.get("/metrics")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == "Bearer"
        err = r.json()["error"]
        assert "令牌" in err["message"] and "token" in err["message_en"]
        assert (await c.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await c.get("/metrics", headers={"Authorization": "Basic scrape-me-7"})).status_code == 401
        samples = await scrape(c, Authorization="Bearer scrape-me-7")
        assert value(samples, "rectify_database_up") == 1
        # the health probes stay open
        assert (await c.get("/healthz")).status_code == 200


async def test_metrics_stay_out_of_the_openapi_document(anon: Any) -> None:
    paths = (await anon.get("/api/v1/openapi.json")).json()["paths"]
    assert "/metrics" not in paths
    assert (await anon.get("/metrics")).status_code == 200  # open by default
