"""Stopping a worker while a job records its end in Redis: arq cancels that job too, and the
`CancelledError` ends `close()` (no `on_shutdown`, the pool left open) and leaves the finished job
queued to run a second time. Recording is slow just after a Redis outage (a reconnect, a
backoff) or on a loaded machine; here it is held open by an event instead of by luck."""

import asyncio
from typing import Any

from arq import func

from rectify_shared import queue
from rectify_shared.jobs import queue_name

QUEUE = "shutdown"


async def until(predicate: Any, seconds: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_closing_waits_for_a_job_recording_its_end_and_cancels_one_still_running(redis_url, queue_prefix):
    ran: list[str] = []
    started = asyncio.Event()
    shut_down: list[bool] = []

    async def quick(ctx: dict[str, Any]) -> None:
        ran.append("quick")

    async def slow(ctx: dict[str, Any]) -> None:
        started.set()
        await asyncio.sleep(3600)
        ran.append("slow")  # never: the shutdown cancels it

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        shut_down.append(True)

    worker = queue.ResilientWorker(
        functions=[func(quick, name="quick", keep_result=0), func(slow, name="slow", keep_result=0)],
        handle_signals=False,
        on_shutdown=on_shutdown,
        **{**queue.worker_options(redis_url, queue_prefix, QUEUE), "poll_delay": 0.02},
    )
    recording = asyncio.Event()
    recorded = asyncio.Event()
    finish_job = worker.finish_job

    async def held_finish_job(job_id: str, *args: Any) -> None:
        if job_id.endswith(":quick"):
            recording.set()
            await recorded.wait()  # a slow round trip to Redis
        await finish_job(job_id, *args)

    worker.finish_job = held_finish_job  # type: ignore[method-assign]
    pool = await queue.connect(redis_url)
    running = asyncio.create_task(worker.async_run())
    try:
        for job in ("slow", "quick"):
            await pool.enqueue_job(job, _job_id=f"{queue_prefix}:{job}", _queue_name=queue_name(queue_prefix, QUEUE))
        await asyncio.wait_for(started.wait(), 30)
        await asyncio.wait_for(recording.wait(), 30)
        assert ran == ["quick"] and worker.finishing(f"{queue_prefix}:quick")

        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        closing = asyncio.create_task(worker.close())  # raised CancelledError from arq's run_job
        await asyncio.sleep(0.2)
        assert not closing.done()  # waits for the job that is recording its end…
        recorded.set()
        await asyncio.wait_for(closing, 30)  # …and then closes without raising
        assert shut_down == [True] and worker._pool is None

        # the finished job is off the queue (it will not run again); the cancelled one stays for the next worker
        queued = await pool.zrange(queue_name(queue_prefix, QUEUE), 0, -1)
        assert queued == [f"{queue_prefix}:slow".encode()]
        assert ran == ["quick"]
    finally:
        recorded.set()
        if not running.done():
            running.cancel()
        await pool.aclose()
