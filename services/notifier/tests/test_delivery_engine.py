"""Deliveries against a real database (SQLite and PostgreSQL): recorded once, sent once, retried
with backoff, failed visibly, rescued by the sweeper, held back by quiet hours."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from notifier.delivery.engine import record_deliveries, send_one, sweep
from notifier.delivery.planner import PlannedDelivery
from notifier.delivery.quiet import parse_quiet_hours
from notifier.events import handle_event
from rectify_shared import queue
from rectify_shared.jobs import NOTIFIER_QUEUE, EventEnvelope, queue_name
from rectify_shared.models import EventReceipt
from rectify_shared.settings import Settings
from rectify_shared.timezone import CHINA_TZ

from .test_delivery_world import (
    ISSUED_AT,
    Clock,
    FakeChannel,
    Midpoint,
    WorkerKilled,
    build_world,
    deliveries,
    fake_channels,
    get,
    inbox,
    outbox_event,
)

QUIET = parse_quiet_hours("22:00-07:00")


@pytest.fixture
async def redis(redis_url):
    pool = await queue.connect(redis_url)
    yield pool
    await pool.aclose()


async def queued(redis, prefix: str) -> list[str]:
    return [j.job_id for j in await redis.queued_jobs(queue_name=queue_name(prefix, NOTIFIER_QUEUE))]


async def test_an_issued_escalation_handled_twice_is_recorded_and_queued_once(db, redis, queue_prefix, tmp_path):
    async with db() as s:
        world = await build_world(s, level="notice")
        created = await outbox_event(s, "escalation.created", world.escalation)  # issued by hand: two events
        issued = await outbox_event(s, "escalation.issued", world.escalation, ISSUED_AT + timedelta(milliseconds=3))
        await s.commit()
    settings = Settings(data_dir=tmp_path, queue_prefix=queue_prefix, sms_quiet_hours="")
    ctx = {"write_sessions": db, "redis": redis, "settings": settings}
    for envelope in (created, issued, issued, created):
        await handle_event(ctx, envelope.model_dump(mode="json"))

    rows = await deliveries(db)
    people = [(d.channel, d.recipient, d.state) for d in rows if d.channel != "webhook"]
    county, users = world.ledger.oid("county"), world.users
    assert people == [
        ("email", f"leader:issue:{world.escalation.issue_id}", "pending"),
        ("email", f"org:{county}", "pending"),
        *[("inbox", f"user:{u.id}", "sent") for u in users],
        ("sms", f"leader:issue:{world.escalation.issue_id}", "pending"),
        ("sms", f"org:{county}", "pending"),
    ]
    esc_key = f"escalation:{world.escalation.id}:issued"
    assert {(d.event_id, d.created_at, d.event_month) for d in rows if d.channel != "webhook"} == {
        (esc_key, ISSUED_AT, "2024-12")
    }
    # webhooks are per event: the province wants both types, the league's "*" subscription too
    subs = world.subscriptions
    hooks = sorted((d.recipient, d.event_id) for d in rows if d.channel == "webhook")
    assert hooks == sorted(
        (f"webhook:{subs[k].id}", e.id) for k in ("province", "everything") for e in (created, issued)
    )
    messages = await inbox(db)
    title = "【通报】第3项问题“草原违规开垦问题整改不到位，部分地块尚未完成复绿”"
    assert [(m.user_id, m.title) for m in messages] == [(u.id, title) for u in users]
    assert {d.provider_message_id for d in rows if d.channel == "inbox"} == {str(m.id) for m in messages}
    to_send = [d for d in rows if d.channel != "inbox"]
    assert sorted(await queued(redis, queue_prefix)) == sorted(f"{queue_prefix}:delivery:{d.id}:0" for d in to_send)
    async with db() as s:
        receipts = (await s.execute(select(EventReceipt.deliveries).order_by(EventReceipt.event_id))).scalars().all()
    assert receipts == [2, 2]


async def record(db, channels=("email",), level="notice", now=None, quiet=None) -> tuple[list[int], object]:
    async with db() as s:
        world = await build_world(s, level=level)
        event = await outbox_event(s, "escalation.issued", world.escalation)
        planned = [
            PlannedDelivery(
                ch,
                "org:1",
                "zxb@example.cn" if ch == "email" else "04797000000",
                "主题",
                "正文",
                priority="urgent" if level in ("supervision", "summons") else "normal",
            )
            for ch in channels
        ]
        ids = await record_deliveries(s, event, planned, quiet=quiet, now=now)
        await s.commit()
    return ids, world


async def test_transient_failures_retry_with_growing_delays_then_send(db):
    [delivery_id], _ = await record(db)
    clock = Clock(datetime(2024, 12, 16, 3, tzinfo=UTC))
    channels = fake_channels(email=["transient", "transient", "transient", "ok"])
    delays = []
    for _ in range(3):
        outcome = await send_one(db, channels, delivery_id, 8, clock=clock, rng=Midpoint())
        assert outcome.status == "retry" and outcome.next_attempt_at is not None
        delays.append(outcome.next_attempt_at - clock.now)
        row = await get(db, delivery_id)
        assert (row.state, row.next_attempt_at, row.last_error) == (
            "pending",
            outcome.next_attempt_at,
            "TransientError: 503 from provider",
        )
        early = await send_one(db, channels, delivery_id, 8, clock=clock, rng=Midpoint())
        assert early.status == "skipped"  # not due yet
        clock.now = outcome.next_attempt_at
    assert delays == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert (await send_one(db, channels, delivery_id, 8, clock=clock)).status == "sent"
    row = await get(db, delivery_id)
    assert (row.state, row.attempts, row.provider_message_id, row.sent_at) == ("sent", 4, "email-1", clock.now)
    assert len(channels["email"].calls) == 4 and len({m.idempotency_key for m in channels["email"].calls}) == 1
    assert (await send_one(db, channels, delivery_id, 8, clock=clock)).status == "skipped"  # sent stays sent


async def test_a_permanent_failure_fails_at_once(db):
    [delivery_id], _ = await record(db)
    channels = fake_channels(email=["permanent"])
    assert (await send_one(db, channels, delivery_id, 8)).status == "failed"
    row = await get(db, delivery_id)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "PermanentError: 400 invalid number")


async def test_the_last_transient_failure_fails_visibly(db):
    [delivery_id], _ = await record(db)
    clock = Clock(datetime(2024, 12, 16, 3, tzinfo=UTC))
    channels = {"email": FakeChannel("email", decide=lambda m: "transient")}
    statuses = []
    for _ in range(3):
        statuses.append((await send_one(db, channels, delivery_id, 3, clock=clock)).status)
        clock.advance(hours=2)
    assert statuses == ["retry", "retry", "failed"]
    row = await get(db, delivery_id)
    assert (row.state, row.attempts, row.last_error, row.next_attempt_at) == (
        "failed",
        3,
        "TransientError: 503 from provider",
        None,
    )


async def test_a_worker_killed_mid_send_is_swept_and_resent_with_the_same_key(db, redis, queue_prefix):
    [delivery_id], _ = await record(db)
    clock = Clock(datetime(2024, 12, 16, 3, tzinfo=UTC))
    channels = fake_channels(email=["killed_after", "ok"])
    with pytest.raises(WorkerKilled):
        await send_one(db, channels, delivery_id, 8, clock=clock)
    assert (await get(db, delivery_id)).state == "sending"
    clock.advance(minutes=4)
    assert (await sweep(db, redis, queue_prefix, clock=clock)).released == 0  # it may still be sending
    clock.advance(minutes=2)
    result = await sweep(db, redis, queue_prefix, clock=clock)
    assert (result.released, result.enqueued) == (1, 1)
    assert await queued(redis, queue_prefix) == [f"{queue_prefix}:delivery:{delivery_id}:1"]
    assert (await sweep(db, redis, queue_prefix, clock=clock)).enqueued == 0  # already queued
    assert (await send_one(db, channels, delivery_id, 8, clock=clock)).status == "sent"
    keys = [m.idempotency_key for m in channels["email"].accepted]
    assert len(keys) == 2 and len(set(keys)) == 1  # the provider sees a duplicate it can drop
    row = await get(db, delivery_id)
    assert (row.state, row.attempts) == ("sent", 2)


async def test_quiet_hours_hold_back_sms_not_email_and_urgent_levels_go_now(db):
    night = datetime(2024, 12, 16, 23, tzinfo=CHINA_TZ)
    ids, _ = await record(db, ("email", "sms", "wecom", "ding_bot"), level="notice", now=night, quiet=QUIET)
    rows = {(await get(db, i)).channel: await get(db, i) for i in ids}
    morning = datetime(2024, 12, 17, 7, tzinfo=CHINA_TZ)
    assert (rows["email"].state, rows["email"].next_attempt_at) == ("pending", None)
    assert (rows["sms"].state, rows["sms"].next_attempt_at) == ("scheduled", morning)
    # 企业微信 / 钉钉 buzz a phone too: held back likewise (a user's message and a group robot's)
    assert {(rows[ch].state, rows[ch].next_attempt_at) for ch in ("wecom", "ding_bot")} == {("scheduled", morning)}
    channels = fake_channels()
    clock = Clock(night.astimezone(UTC))
    assert (await send_one(db, channels, rows["sms"].id, 8, clock=clock, quiet=QUIET)).status == "skipped"
    clock.now = morning.astimezone(UTC)
    assert (await send_one(db, channels, rows["sms"].id, 8, clock=clock, quiet=QUIET)).status == "sent"

    urgent, _ = await record_more(db, night)
    assert [(await get(db, i)).state for i in urgent] == ["pending"]


async def record_more(db, night):
    """A 督办 SMS recorded at night (in the same database as before)."""
    async with db() as s:
        e = EventEnvelope(id="42", type="escalation.issued", timestamp=night, aggregate_type="escalation",
                          aggregate_id=1, data={})  # fmt: skip
        planned = [PlannedDelivery("sms", "org:1", "04797000000", None, "督办", priority="urgent")]
        ids = await record_deliveries(s, e, planned, quiet=QUIET, now=night)
        await s.commit()
    return ids, None


async def test_a_pending_sms_reaching_quiet_hours_is_deferred_to_the_morning(db):
    [delivery_id], _ = await record(db, ("sms",))
    channels = fake_channels()
    clock = Clock(datetime(2024, 12, 16, 22, 30, tzinfo=CHINA_TZ))
    outcome = await send_one(db, channels, delivery_id, 8, clock=clock, quiet=QUIET)
    assert (outcome.status, outcome.next_attempt_at) == ("deferred", datetime(2024, 12, 17, 7, tzinfo=CHINA_TZ))
    row = await get(db, delivery_id)
    assert (row.state, row.attempts, channels["sms"].calls) == ("scheduled", 0, [])


async def test_concurrent_jobs_for_one_delivery_send_it_once(db):
    [delivery_id], _ = await record(db)
    channels = fake_channels()
    outcomes = await asyncio.gather(*(send_one(db, channels, delivery_id, 8) for _ in range(5)))
    assert sorted(o.status for o in outcomes) == ["sent", "skipped", "skipped", "skipped", "skipped"]
    assert len(channels["email"].accepted) == 1
