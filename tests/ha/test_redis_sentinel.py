"""Redis master + replica + 3 sentinels on loopback: the master is SIGKILLed mid-run.

The API (its outbox relay is the producer) and a notifier worker process are given only the
sentinels (`REDIS_SENTINELS`, `REDIS_SENTINEL_MASTER`). Events are written before the kill,
while no master exists, and after the sentinels promoted the replica:

* writes never fail (the outbox holds the events), and the relay publishes again within 5 s of
  the promotion;
* the notifier keeps consuming through the new master (a supervisor loop restarts it if it exits);
* nothing owed stays undelivered: the scheduler's reconciler and delivery sweep, run once as
  their cron would, find every event received and every inbox delivery sent.

A second drill forces a loss (the replica frozen and cut off while the master takes jobs, then
the master is SIGKILLed) and shows the notifier's watch_redis re-handling what the new master
never had, each webhook arriving once at the receiver.

The measured times are printed (`make test-ha` runs with -s).
"""

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from issues_api.main import create_app
from notifier.reconcile import MARKER
from rectify_shared.models import Delivery, EventReceipt, OutboxEvent
from rectify_shared.models.types import utcnow
from rectify_shared.queue import connect
from rectify_shared.settings import Settings

from .conftest import signed_in
from .redis_servers import MASTER_NAME, SentinelGroup, missing_redis

pytestmark = pytest.mark.ha

RECOVERY_SECONDS = 5.0
UNUSED_REDIS = "redis://127.0.0.1:1/0"  # with sentinels, REDIS_URL gives only the db and password
OPEN_STATES = {"pending", "sending", "failed", "scheduled"}


@pytest.fixture
def db_url(pg_db_url: str) -> str:
    """The run's PostgreSQL database, emptied (a worker process shares it with the test)."""
    return pg_db_url


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[SentinelGroup]:
    if missing_redis():
        pytest.skip(f"missing: {missing_redis()}")
    (tmp_path / "redis").mkdir()
    group = SentinelGroup(tmp_path / "redis")
    try:
        group.start()
        yield group
    finally:
        group.stop()


class Supervisor:
    """What systemd or Kubernetes does for a worker: start it, and start it again when it exits."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.argv, self.env, self.log = argv, env, log
        self.starts = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _spawn(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.proc is None or self.proc.poll() is not None:
                self._spawn()
            self._stop.wait(0.2)

    def __enter__(self) -> "Supervisor":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


async def wait_until(probe: Any, seconds: float, what: str) -> float:
    """Poll `probe()` until it is truthy; the moment it was (monotonic)."""
    import asyncio

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await probe():
            return time.monotonic()
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


async def complete(app: Any, client: Any, issue_id: int, status: str = "completed") -> int:
    """Mark an issue completed through the API (it must succeed with Redis down); its event's id."""
    # the office's override: a demo problem may still have open measures
    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"status": status, "reason": "整改办核定"})
    assert r.status_code == 200, r.text
    async with app.state.rectify.read_sessions() as s:
        stmt = select(OutboxEvent.id).where(
            OutboxEvent.event_type == "issue.status_changed", OutboxEvent.aggregate_id == issue_id
        )
        return int((await s.execute(stmt)).scalar_one())


def published(app: Any, event_id: int) -> Any:
    async def probe() -> bool:
        async with app.state.rectify.read_sessions() as s:
            stmt = select(OutboxEvent.published_at).where(OutboxEvent.id == event_id)
            return (await s.execute(stmt)).scalar_one() is not None

    return probe


def received(app: Any, event_id: int) -> Any:
    async def probe() -> bool:
        async with app.state.rectify.read_sessions() as s:
            stmt = select(EventReceipt.event_id).where(EventReceipt.event_id == str(event_id))
            return (await s.execute(stmt)).first() is not None

    return probe


async def run_scheduler_sweeps(settings: Settings) -> dict[str, int]:
    """The reconciler and the delivery sweep, once, as the scheduler's crons would run them
    (the reconciler looks back past its grace period, as its run two minutes later would)."""
    from notifier.delivery.jobs import sweep_deliveries
    from notifier.reconcile import GRACE, reconcile
    from rectify_shared.db import engine_for, make_sessionmaker

    engine = engine_for(settings)
    redis = await connect(settings.effective_redis_url)
    ctx: dict[str, Any] = {"settings": settings, "redis": redis,
                           "write_sessions": make_sessionmaker(engine, write=True)}  # fmt: skip
    try:
        lost = await reconcile(ctx, now=utcnow() + GRACE + timedelta(seconds=1))
        swept = await sweep_deliveries(ctx)
        return {**lost, **{f"sweep_{k}": v for k, v in swept.items()}}
    finally:
        await redis.aclose()
        await engine.dispose()


async def test_producers_and_workers_follow_a_sentinel_failover(sentinels, db_url, queue_prefix, tmp_path, helpers):
    settings = Settings(
        database_url=db_url, redis_url=UNUSED_REDIS, redis_sentinels=sentinels.hosts,
        redis_sentinel_master=MASTER_NAME, data_dir=tmp_path, queue_prefix=queue_prefix, rate_limit="",
        log_json=True,
    )  # fmt: skip
    env = {
        **os.environ, "DATABASE_URL": db_url, "REDIS_URL": UNUSED_REDIS, "REDIS_SENTINELS": sentinels.hosts,
        "REDIS_SENTINEL_MASTER": MASTER_NAME, "RECTIFY_QUEUE_PREFIX": queue_prefix,
        "RECTIFY_DATA_DIR": str(tmp_path), "RECTIFY_LOG_JSON": "1",
    }  # fmt: skip
    app = create_app(settings)
    log = tmp_path / "notifier.log"
    async with app.router.lifespan_context(app):
        round_id = await helpers.load_demo_into(app)
        client = await signed_in(app, "admin", helpers.ADMIN_PASSWORD)
        r = await client.get("/api/v1/issues", params={"round_id": round_id, "status": "in_progress", "limit": 3})
        before_id, during_id, after_id = (i["id"] for i in r.json()["items"])
        with Supervisor([sys.executable, "-m", "notifier"], env, log) as notifier:
            before = await complete(app, client, before_id)
            await wait_until(received(app, before), 60, "the notifier's receipt of the event before the kill")

            sentinels.master.kill()
            killed = time.monotonic()
            during = await complete(app, client, during_id)  # no master anywhere: the outbox holds it
            promoted = await wait_until_promoted(sentinels)
            producer_back = await wait_until(published(app, during), 30, "the relay to publish again")
            after = await complete(app, client, after_id)
            after_published = await wait_until(published(app, after), 30, "an event written after the failover")
            consumed = await wait_until(received(app, during), 60, "the notifier to consume through the new master")
            await wait_until(received(app, after), 60, "the notifier's receipt of the event after the failover")

            print(
                f"\nsentinel failover: promoted {promoted - killed:.2f} s after SIGKILL; relay published again"
                f" {producer_back - promoted:.2f} s after promotion; a new write published in"
                f" {after_published - promoted:.2f} s; the notifier consumed {consumed - promoted:.2f} s after"
                f" promotion; notifier starts: {notifier.starts}"
            )
            assert producer_back - promoted <= RECOVERY_SECONDS
            assert after_published - promoted <= RECOVERY_SECONDS

            sweeps = await run_scheduler_sweeps(settings)
            print(f"scheduler sweeps after the failover: {sweeps}")
        await client.aclose()

        ids = [str(e) for e in (before, during, after)]
        async with app.state.rectify.read_sessions() as s:
            receipts = (await s.execute(select(EventReceipt).where(EventReceipt.event_id.in_(ids)))).scalars().all()
            deliveries = (await s.execute(select(Delivery).where(Delivery.event_id.in_(ids)))).scalars().all()
        assert sorted(r.event_id for r in receipts) == sorted(ids)
        assert {d.event_id for d in deliveries if d.channel == "inbox"} == set(ids), "an inbox delivery per event"
        owed = [(d.event_id, d.channel, d.state) for d in deliveries if d.state in OPEN_STATES]
        assert owed == []
        assert "worker_redis" in log.read_text() or notifier.starts > 1  # it did notice the failover


async def wait_until_promoted(group: SentinelGroup) -> float:
    import asyncio

    return float(await asyncio.to_thread(group.wait_promoted))


LOST = 4  # events whose jobs the master takes and then loses with itself
DELIVERED_SECONDS = 15.0  # the 5 s watch_redis tick + a supervised worker restart, with room


def queued(node: Any, prefix: str) -> set[bytes]:
    """The job ids in the notifier's queue on one Redis node."""
    from rectify_shared.jobs import NOTIFIER_QUEUE, queue_name

    return set(node.client().zrange(queue_name(prefix, NOTIFIER_QUEUE), 0, -1))


def notifier_log_events(log: Path, name: str) -> list[dict[str, Any]]:
    import json

    found = []
    for line in log.read_text(errors="replace").splitlines():
        if f'"{name}"' in line:
            with suppress(ValueError):
                found.append(json.loads(line))
    return found


async def test_jobs_the_master_lost_are_resent_and_delivered_exactly_once(
    sentinels, db_url, queue_prefix, tmp_path, helpers
):
    """The drill that forces a loss: the replica is frozen (SIGSTOP) and cut off (CLIENT KILL TYPE
    replica on the master), and the notifier is frozen too, so the relay's jobs for LOST events
    reach only the master, which is then SIGKILLed. The promoted
    replica never had them, yet the outbox says they were published. The notifier's watch_redis
    sees a new Redis (its replication id changed) and re-handles every receipt-less event: each
    owed webhook arrives once, under its idempotency key (`webhook-id`)."""
    import signal

    from ..fault_servers import WebhookEndpoint, http_server

    settings = Settings(
        database_url=db_url, redis_url=UNUSED_REDIS, redis_sentinels=sentinels.hosts,
        redis_sentinel_master=MASTER_NAME, data_dir=tmp_path, queue_prefix=queue_prefix, rate_limit="",
        log_json=True,
    )  # fmt: skip
    hooks = WebhookEndpoint()
    with http_server(hooks) as hook_url:
        env = {
            **os.environ, "DATABASE_URL": db_url, "REDIS_URL": UNUSED_REDIS, "REDIS_SENTINELS": sentinels.hosts,
            "REDIS_SENTINEL_MASTER": MASTER_NAME, "RECTIFY_QUEUE_PREFIX": queue_prefix,
            "RECTIFY_DATA_DIR": str(tmp_path), "RECTIFY_LOG_JSON": "1", "RECTIFY_WEBHOOK_TIMEOUT": "5",
        }  # fmt: skip
        app = create_app(settings)
        log = tmp_path / "notifier.log"
        async with app.router.lifespan_context(app):
            round_id = await helpers.load_demo_into(app)
            client = await signed_in(app, "admin", helpers.ADMIN_PASSWORD)
            r = await client.post(
                "/api/v1/webhooks", json={"url": f"{hook_url}/rectify", "event_types": ["issue.status_changed"]}
            )
            assert r.status_code == 201, r.text
            hooks.secret = r.json()["secret"]
            orgs = (await client.get("/api/v1/orgs", params={"limit": 200})).json()["items"]
            league = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
            fresh = []  # new issues (not started): one status change, one event each
            for n in range(LOST + 2):
                r = await client.post("/api/v1/issues", json={
                    "round_id": round_id, "category": "其他需要关注的问题方面", "description": f"演练问题{n}",
                    "lead_org_id": league,
                })  # fmt: skip
                assert r.status_code == 201, r.text
                fresh.append(int(r.json()["id"]))
            first_id, *lost_ids, after_id = fresh
            with Supervisor([sys.executable, "-m", "notifier"], env, log) as notifier:
                first = await complete(app, client, first_id, "in_progress")
                await wait_until(received(app, first), 60, "the notifier's receipt of the first event")
                await wait_until(delivered(hooks, 1), 30, "the first webhook")
                marker = f"{queue_prefix}:{MARKER}"

                async def marked() -> bool:  # a watch_redis tick has marked this master
                    return bool(sentinels.master.client().get(marker))

                await wait_until(marked, 15, "watch_redis to mark the master")

                assert sentinels.replica.proc is not None and notifier.proc is not None
                frozen = [sentinels.replica.proc.pid, notifier.proc.pid]
                for pid in frozen:
                    os.kill(pid, signal.SIGSTOP)
                try:
                    # cut the replication link too: what the master sends to a frozen replica would
                    # still reach its socket buffer, and the replica would read it after SIGCONT
                    assert sentinels.master.client().client_kill_filter(_type="slave") >= 1
                    lost = [await complete(app, client, i, "in_progress") for i in lost_ids]
                    for event in lost:
                        await wait_until(published(app, event), 10, "the relay to publish to the master")
                    on_master = queued(sentinels.master, queue_prefix)
                    sentinels.master.kill()
                    killed = time.monotonic()
                finally:
                    for pid in frozen:
                        os.kill(pid, signal.SIGCONT)
                promoted = await wait_until_promoted(sentinels)
                missing = on_master - queued(sentinels.replica, queue_prefix)
                assert sentinels.replica.client().get(marker), "the marker was replicated: not an empty Redis"
                assert len(missing) >= LOST, f"the new master should lack the lost jobs: {on_master} {missing}"

                after = await complete(app, client, after_id, "in_progress")
                after_published = await wait_until(published(app, after), 30, "an event written after the failover")
                recovered = [await wait_until(received(app, e), DELIVERED_SECONDS + 30, "a lost event") for e in lost]
                all_delivered = await wait_until(delivered(hooks, LOST + 2), 30, "every owed webhook")
                await asyncio.sleep(2)  # a late repeat would arrive now
            sweeps = await run_scheduler_sweeps(settings)
            await client.aclose()

            ids = [str(e) for e in (first, *lost, after)]
            async with app.state.rectify.read_sessions() as s:
                hooks_owed = (await s.execute(select(Delivery).where(
                    Delivery.event_id.in_(ids), Delivery.channel == "webhook"
                ))).scalars().all()  # fmt: skip
                owed = (await s.execute(select(Delivery).where(Delivery.event_id.in_(ids)))).scalars().all()
        resent = sum(int(e.get("handled", 0)) for e in notifier_log_events(log, "events_reconciled"))
        print(
            f"\nforced loss: {len(missing)} jobs only on the SIGKILLed master; promoted {promoted - killed:.2f} s"
            f" after the kill; a new write published {after_published - promoted:.2f} s after promotion; lost"
            f" events re-handled by {max(recovered) - promoted:.2f} s and every webhook delivered"
            f" {all_delivered - promoted:.2f} s after promotion; re-sent {resent} events;"
            f" receiver repeats {dict(hooks.received.repeats())}; sweeps afterwards {sweeps};"
            f" notifier starts {notifier.starts}"
        )
    assert after_published - promoted <= RECOVERY_SECONDS
    assert max(recovered) - promoted <= DELIVERED_SECONDS
    assert resent >= LOST
    # the first tick found a fresh Redis with nothing owed (info, not a warning); the failover, which
    # lost jobs, was noticed once, as another server
    assert [e["reason"] for e in notifier_log_events(log, "redis_lost_its_jobs")] == ["redis_is_another_server"]
    assert {d.event_id for d in hooks_owed} == set(ids), "a webhook delivery per event"
    assert hooks.received.distinct() == {d.idempotency_key for d in hooks_owed}
    assert hooks.received.repeats() == {}, "each owed webhook arrives exactly once"
    assert [(d.event_id, d.channel, d.state) for d in owed if d.state in OPEN_STATES] == []
    assert sweeps["found"] == 0, "nothing left for the reconciler"


def delivered(endpoint: Any, n: int) -> Any:
    async def probe() -> bool:
        return len(endpoint.received.distinct()) >= n

    return probe
