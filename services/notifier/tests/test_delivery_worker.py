"""The wiring through a real arq worker and Redis: an event's job plans deliveries and enqueues
their sends; a transient failure comes back as a deferred job; the worker registers the send
job and the sweeper."""

import asyncio
import signal

from arq import func
from arq.worker import Worker

from notifier.__main__ import build_worker
from notifier.delivery.jobs import SEND_DELIVERY, send_daily_digest, send_delivery, sweep_deliveries
from notifier.events import handle_event
from rectify_shared import queue
from rectify_shared.jobs import HANDLE_EVENT, NOTIFIER_QUEUE
from rectify_shared.settings import Settings

from .test_delivery_world import build_world, deliveries, fake_channels, outbox_event


async def test_an_event_job_ends_in_sent_messages_through_the_queue(db, redis_url, queue_prefix, tmp_path):
    async with db() as s:
        world = await build_world(s, level="summons")
        event = await outbox_event(s, "escalation.created", world.escalation)
        await s.commit()
    # the configured backoff (RECTIFY_DELIVERY_BACKOFF_*) keeps the retries within a fraction of a second
    settings = Settings(
        redis_url=redis_url,
        data_dir=tmp_path,
        queue_prefix=queue_prefix,
        sms_quiet_hours="",
        delivery_backoff_base_seconds=0.1,
        delivery_backoff_cap_seconds=0.2,
    )
    channels = fake_channels(email=["transient"], webhook=["transient", "transient"])
    worker = Worker(
        functions=[func(handle_event, name=HANDLE_EVENT), func(send_delivery, name=SEND_DELIVERY, keep_result=0)],
        burst=True,
        handle_signals=False,
        ctx={"settings": settings, "write_sessions": db, "channels": channels},
        **{**queue.worker_options(redis_url, queue_prefix, NOTIFIER_QUEUE), "poll_delay": 0.05},
    )
    pool = await queue.connect(redis_url)
    try:
        await queue.enqueue(pool, queue_prefix, NOTIFIER_QUEUE, HANDLE_EVENT, event.model_dump(mode="json"), "evt:1")
        await asyncio.wait_for(worker.main(), 60)
    finally:
        await worker.close()
        await pool.aclose()
    rows = await deliveries(db)
    assert {d.state for d in rows} == {"sent"} and len(rows) == 9  # 2 email, 2 SMS, 3 inbox, 2 webhooks
    attempts = {ch: sum(d.attempts for d in rows if d.channel == ch) for ch in ("email", "sms", "webhook")}
    assert attempts == {"email": 3, "sms": 2, "webhook": 4}  # one and two transient failures, retried
    assert all(d.provider_message_id for d in rows)
    assert len(channels["email"].accepted) == 2 and len(channels["sms"].accepted) == 2


async def test_the_worker_registers_the_send_job_and_a_half_minutely_sweeper(tmp_path):
    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6399/0", queue_prefix="tenant-a")
    worker = build_worker(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
    assert {"send_delivery", "tenant-a:sweep_deliveries"} <= set(worker.functions)
    assert worker.functions["send_delivery"].keep_result_s == 0  # a finished attempt frees its job id
    sweep = next(c for c in worker.cron_jobs if c.coroutine is sweep_deliveries)
    assert sweep.second == {0, 30} and sweep.unique
    digest = next(c for c in worker.cron_jobs if c.coroutine is send_daily_digest)
    assert (digest.hour, digest.minute) == (8, 30)  # RECTIFY_DIGEST_TIME's default, China time
    assert isinstance(worker, queue.ResilientWorker)  # outlives a Redis outage (test_redis_outage.py)


async def test_the_digest_runs_at_the_configured_time(tmp_path):
    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6399/0", digest_time="17:05")
    worker = build_worker(settings)
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().remove_signal_handler(sig)
    digest = next(c for c in worker.cron_jobs if c.coroutine is send_daily_digest)
    assert (digest.hour, digest.minute) == (17, 5)
