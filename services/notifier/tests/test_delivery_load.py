"""300 notifications through a flaky provider: ~30 % transient failures, workers killed before
the request left, every job delivered twice. Each delivery ends sent or failed, and the provider
accepts each idempotency key at most once."""

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from notifier.delivery.engine import record_deliveries, send_one, sweep
from notifier.delivery.planner import PlannedDelivery
from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import Delivery

from .test_delivery_world import Clock, FakeChannel, WorkerKilled, build_world

MAX_ATTEMPTS = 6


class FakeRedis:
    """Enqueueing is not under test here: the loop below plays the worker."""

    def __init__(self) -> None:
        self.jobs: list[str] = []

    async def enqueue_job(self, name, payload, **kwargs):
        self.jobs.append(kwargs["_job_id"])
        return object()


async def test_three_hundred_deliveries_through_a_flaky_provider_end_sent_or_failed_once(db, queue_prefix):
    rng = random.Random(20241216)
    start = datetime(2024, 12, 16, 2, tzinfo=UTC)
    async with db() as s:
        world = await build_world(s)
        hook = world.subscriptions["province"]
        ids: list[int] = []
        for n in range(100):
            event = EventEnvelope(id=str(9000 + n), type="issue.status_changed", timestamp=start,
                                  aggregate_type="issue", aggregate_id=n, data={})  # fmt: skip
            planned = [
                PlannedDelivery("email", f"org:{n}", f"u{n}@example.cn", "主题", "正文"),
                PlannedDelivery("sms", f"org:{n}", "04797000000", None, "短信", priority="urgent"),
                PlannedDelivery("webhook", f"webhook:{hook.id}", hook.url, None, "{}", {"payload": {"n": n}}),
            ]
            ids += await record_deliveries(s, event, planned, now=start)
        await s.commit()
    assert len(ids) == 300

    def flaky(message):
        r = rng.random()
        return "transient" if r < 0.30 else "killed_before" if r < 0.33 else "ok"

    channels = {name: FakeChannel(name, decide=flaky) for name in ("email", "sms", "webhook")}
    clock = Clock(start)
    redis = FakeRedis()
    gate = asyncio.Semaphore(8)

    async def job(delivery_id: int) -> str:
        async with gate:
            try:
                return (await send_one(db, channels, delivery_id, MAX_ATTEMPTS, clock=clock, rng=rng)).status
            except WorkerKilled:
                return "killed"

    rounds = 0
    while rounds < 40:
        async with db() as s:
            open_ = (
                (await s.execute(select(Delivery.id).where(Delivery.state.in_(("pending", "scheduled", "sending")))))
                .scalars()
                .all()
            )
        if not open_:
            break
        rounds += 1
        await sweep(db, redis, queue_prefix, clock=clock)  # releases rows of killed workers
        async with db() as s:
            due = (
                (
                    await s.execute(
                        select(Delivery.id).where(
                            Delivery.state.in_(("pending", "scheduled")),
                            (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= clock.now),
                        )
                    )
                )
                .scalars()
                .all()
            )
        # every job arrives twice (a re-enqueue racing the original): the claim lets one through
        await asyncio.gather(*(job(i) for i in due for _ in range(2)))
        clock.advance(hours=2)  # past the backoff cap and the sending lease
    assert rounds < 40

    async with db() as s:
        rows = (await s.execute(select(Delivery).where(Delivery.channel != "inbox"))).scalars().all()
        states = dict((await s.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
    assert set(states) <= {"sent", "failed"} and sum(states.values()) == 300
    accepted = Counter(m.idempotency_key for ch in channels.values() for m in ch.accepted)
    assert max(accepted.values()) == 1  # no key reached the provider twice
    for row in rows:
        if row.state == "sent":
            assert accepted[row.idempotency_key] == 1 and row.provider_message_id and row.sent_at
        else:
            assert accepted[row.idempotency_key] == 0 and row.last_error and row.attempts >= MAX_ATTEMPTS
    calls = sum(len(ch.calls) for ch in channels.values())
    assert calls > 300 * 1.3  # the flakiness was real
