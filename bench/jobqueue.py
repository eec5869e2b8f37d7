"""Queue: jobs through arq end to end (a worker process with the services' worker options).

    .venv/bin/python bench/jobqueue.py worker REDIS_URL PREFIX     (the benchmark starts it)

Throughput: a burst of N jobs enqueued at once, first enqueue to last finish. Latency: jobs
enqueued at a steady 50/s, enqueue-to-start from arq's own job records (enqueue_time,
start_time), p95.
"""

import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from arq.jobs import Job
from arq.worker import func
from results import Result

from rectify_shared.queue import ResilientWorker, connect, deserialize, enqueue, queue_name, worker_options

QUEUE = "bench"
JOB = "bench_noop"
GOAL_P95_S = 1.0


async def bench_noop(ctx: dict[str, Any], payload: dict[str, Any]) -> int:
    return int(payload["n"])


def worker_main(url: str, prefix: str) -> None:
    worker = ResilientWorker(functions=[func(bench_noop, name=JOB)], **worker_options(url, prefix, QUEUE))
    worker.run()


async def _wait_all(redis: Any, prefix: str, ids: list[str], within_s: float) -> list[Any]:
    deadline = time.monotonic() + within_s
    infos: list[Any] = []
    for job_id in ids:
        job = Job(f"{prefix}:{job_id}", redis, _queue_name=queue_name(prefix, QUEUE), _deserializer=deserialize)
        while True:
            info = await job.result_info()
            if info is not None:
                infos.append(info)
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"arq did not finish the jobs within {within_s:.0f} s")
            await asyncio.sleep(0.05)
    return infos


async def _burst(redis: Any, prefix: str, n: int) -> float:
    ids = [uuid.uuid4().hex for _ in range(n)]
    started = time.time()
    for i, job_id in enumerate(ids):
        await enqueue(redis, prefix, QUEUE, JOB, {"n": i}, job_id)
    infos = await _wait_all(redis, prefix, ids, 120)
    finished = max(info.finish_time.timestamp() for info in infos)
    return n / (finished - started)


async def _paced(redis: Any, prefix: str, n: int, rate: float) -> list[float]:
    ids = [uuid.uuid4().hex for _ in range(n)]
    for i, job_id in enumerate(ids):
        await enqueue(redis, prefix, QUEUE, JOB, {"n": i}, job_id)
        await asyncio.sleep(1 / rate)
    infos = await _wait_all(redis, prefix, ids, 60)
    return [(info.start_time - info.enqueue_time).total_seconds() for info in infos]


async def run_queue_bench(url: str, jobs: int, repeats: int, log: Any) -> list[Result]:
    prefix = f"rectify-bench-{uuid.uuid4().hex[:6]}"
    proc = subprocess.Popen([sys.executable, str(Path(__file__)), "worker", url, prefix])  # noqa: ASYNC220
    redis = await connect(url)
    try:
        await asyncio.sleep(1.0)  # the worker's start-up
        rates: list[float] = []
        p95s: list[float] = []
        for _ in range(repeats):
            rates.append(await _burst(redis, prefix, jobs))
            latencies = await _paced(redis, prefix, max(20, jobs // 5), 50)
            p95s.append(statistics.quantiles(latencies, n=20)[18])
        log(f"queue: {statistics.median(rates):.0f} jobs/s")
    finally:
        proc.terminate()
        proc.wait(10)
        await redis.aclose()
    return [
        Result.plain("queue.arq", "jobs/s end to end", statistics.median(rates), "jobs/s",
                     note="no bare baseline: the figure is arq's own (enqueue, poll, run, result)"),
        Result.plain("queue.arq", "enqueue-to-start p95 (50 jobs/s)", statistics.median(p95s), "s",
                     goal_max=GOAL_P95_S),
    ]  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        worker_main(sys.argv[2], sys.argv[3])
