"""The reconciler handles feed events the relay published but Redis lost, and only those."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from notifier.__main__ import build_worker
from notifier.events import handle_event
from notifier.reconcile import reconcile, reconcile_events, watch_redis
from rectify_shared.models import Delivery, EventReceipt, OutboxEvent
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from .test_delivery_world import build_world, outbox_event


async def _publish(sessions, event_id: str, published_at, *, position: int, in_feed: bool = True) -> None:
    async with sessions() as s:
        await s.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == int(event_id))
            .values(published_at=published_at, position=position, in_feed=in_feed)
        )
        await s.commit()


async def _receipts(sessions) -> dict[str, int]:
    async with sessions() as s:
        return {r.event_id: r.deliveries for r in (await s.execute(select(EventReceipt))).scalars()}


async def _deliveries(sessions) -> list[Delivery]:
    async with sessions() as s:
        return list((await s.execute(select(Delivery))).scalars())


async def test_a_published_event_without_a_receipt_is_handled_and_a_received_one_is_left_alone(db, tmp_path):
    now = utcnow()
    async with db() as s:
        world = await build_world(s)
        lost = await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(minutes=10))
        received = await outbox_event(s, "escalation.created", world.escalation, at=now - timedelta(minutes=10))
        recent = await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(seconds=40))
        internal = await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(minutes=10))
        ancient = await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(days=8))
        unpublished = await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(minutes=10))
        await s.commit()
    old = now - timedelta(minutes=5)
    await _publish(db, lost.id, old, position=1)
    await _publish(db, received.id, old, position=2)
    await _publish(db, recent.id, now - timedelta(seconds=30), position=3)  # may still be in the queue
    await _publish(db, internal.id, old, position=4, in_feed=False)
    await _publish(db, ancient.id, now - timedelta(days=8), position=5)
    await _publish(db, unpublished.id, None, position=6)  # the relay's business, not ours
    settings = Settings(data_dir=tmp_path, sms_quiet_hours="")
    ctx = {"write_sessions": db, "settings": settings}
    assert await handle_event(ctx, received.model_dump(mode="json")) == "received"
    before = {(d.event_id, d.channel, d.recipient) for d in await _deliveries(db)}

    assert await reconcile(ctx, now=now) == {"found": 1, "handled": 1, "failed": 0}

    assert await _receipts(db) == {received.id: 1, lost.id: 1}  # the received one was not handled again
    after = await _deliveries(db)
    # the lost `escalation.issued` adds its webhooks; its person-facing messages were already owed
    # (keyed by the escalation's issuance), so nothing is owed twice
    added = {(d.event_id, d.channel, d.recipient) for d in after} - before
    assert {(e, c) for e, c, _ in added} == {(lost.id, "webhook")} and len(added) == 2

    # the next run finds nothing: a receipt now exists
    assert await reconcile(ctx, now=now) == {"found": 0, "handled": 0, "failed": 0}
    assert len(await _deliveries(db)) == len(after)


async def test_the_batch_is_bounded_and_the_rest_waits_for_the_next_run(db, tmp_path):
    now = utcnow()
    async with db() as s:
        world = await build_world(s)
        events = [
            await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(minutes=10))
            for _ in range(3)
        ]
        await s.commit()
    for position, event in enumerate(events, start=1):
        await _publish(db, event.id, now - timedelta(minutes=3), position=position)
    ctx = {"write_sessions": db, "settings": Settings(data_dir=tmp_path, sms_quiet_hours="")}
    assert (await reconcile(ctx, now=now, limit=2))["handled"] == 2
    assert set(await _receipts(db)) == {events[0].id, events[1].id}  # oldest first
    assert (await reconcile(ctx, now=now, limit=2))["handled"] == 1
    assert set(await _receipts(db)) == {e.id for e in events}


def test_the_worker_runs_the_reconciler_every_minute(tmp_path):
    worker = build_worker(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6399/0", queue_prefix="tenant-a"))
    job = next(c for c in worker.cron_jobs if c.coroutine is reconcile_events)
    assert job.name == "tenant-a:reconcile_events" and job.second == 15 and job.minute is None and job.unique


async def test_an_event_whose_planning_died_has_no_receipt_so_the_reconciler_plans_it(db, tmp_path, monkeypatch):
    from arq import Retry

    from notifier import events

    now = utcnow()
    async with db() as s:
        world = await build_world(s)
        event = await outbox_event(s, "escalation.created", world.escalation, at=now - timedelta(minutes=10))
        await s.commit()
    await _publish(db, event.id, now - timedelta(minutes=5), position=1)
    ctx = {"write_sessions": db, "settings": Settings(data_dir=tmp_path, sms_quiet_hours="")}

    async def database_gone(ctx, event):
        raise ConnectionError("database went away")

    with monkeypatch.context() as m:
        m.setattr(events, "plan_deliveries", database_gone)
        with pytest.raises(Retry):
            await handle_event(ctx, event.model_dump(mode="json"))
    assert await _receipts(db) == {} and await _deliveries(db) == []  # not taken as done

    assert (await reconcile(ctx, now=now))["handled"] == 1
    assert await _receipts(db) == {event.id: 1}
    assert {d.channel for d in await _deliveries(db)} == {"email", "sms", "inbox", "webhook"}


class OneRedis:
    """Just what watch_redis asks of Redis: its keys and who it is (INFO replication)."""

    def __init__(self, replid: str | None) -> None:
        self.replid = replid
        self.keys: dict[str, bytes] = {}

    async def info(self, section: str) -> dict[str, str]:
        if self.replid is None:
            raise PermissionError("NOPERM this user has no permissions to run the 'info' command")
        return {"role": "master", "master_replid": self.replid}

    async def get(self, key: str) -> bytes | None:
        return self.keys.get(key)

    async def set(self, key: str, value: str) -> None:
        self.keys[key] = value.encode()


async def test_a_sentinel_failover_makes_watch_redis_handle_recent_lost_events_at_once(db, tmp_path):
    """The promoted replica keeps the marker (it was replicated) but not the master's last jobs:
    the new replication id, not the marker's absence, tells watch_redis to look now, including
    at events published a moment ago (inside the reconciler's grace)."""
    now = utcnow()
    async with db() as s:
        world = await build_world(s)
        event = await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(seconds=5))
        await s.commit()
    await _publish(db, event.id, now - timedelta(seconds=3), position=1)  # on the master, then lost
    settings = Settings(data_dir=tmp_path, sms_quiet_hours="", queue_prefix="p")
    redis = OneRedis("a" * 40)
    ctx = {"write_sessions": db, "settings": settings, "redis": redis}
    redis.keys["p:notifier:redis-marker"] = b"a" * 40  # set on this master by an earlier tick

    assert (await watch_redis(ctx))["found"] == 0  # the same server: the event is left to its job
    assert await _receipts(db) == {}

    redis.replid = "b" * 40  # a Sentinel promoted the replica
    assert await watch_redis(ctx) == {"found": 1, "handled": 1, "failed": 0}
    assert await _receipts(db) == {event.id: 1}
    assert redis.keys["p:notifier:redis-marker"] == b"b" * 40
    assert (await watch_redis(ctx))["found"] == 0  # once per new server


async def test_without_info_watch_redis_still_notices_an_empty_redis(db, tmp_path):
    now = utcnow()
    async with db() as s:
        world = await build_world(s)
        event = await outbox_event(s, "escalation.issued", world.escalation, at=now - timedelta(seconds=5))
        await s.commit()
    await _publish(db, event.id, now - timedelta(seconds=3), position=1)
    redis = OneRedis(None)  # a managed Redis refusing INFO
    ctx = {"write_sessions": db, "settings": Settings(data_dir=tmp_path, sms_quiet_hours=""), "redis": redis}
    assert await watch_redis(ctx) == {"found": 1, "handled": 1, "failed": 0}  # no marker: restarted empty
    assert redis.keys  # marked
    assert (await watch_redis(ctx))["found"] == 0
