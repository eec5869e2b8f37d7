"""A worker with RECTIFY_METRICS_PORT serves its job counts and heartbeat age (real Redis)."""

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import Retry, func
from prometheus_client.parser import text_string_to_metric_families

from rectify_shared import queue
from rectify_shared.heartbeat import Beat
from rectify_shared.queue import HeartbeatWorker, worker_options


async def succeeds(ctx: dict[str, Any], payload: dict[str, Any]) -> None:
    return None


async def fails(ctx: dict[str, Any], payload: dict[str, Any]) -> None:
    raise ValueError("this job always fails")


async def retries_once(ctx: dict[str, Any], payload: dict[str, Any]) -> None:
    if ctx["job_try"] == 1:
        raise Retry(defer=0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def figures(text: str) -> dict[str, float]:
    return {
        s.name: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.labels.get("service") == "notifier"
    }


@pytest.mark.asyncio
async def test_a_worker_serves_jobs_done_failed_retried_and_its_heartbeat_age(
    tmp_path: Path, redis_url: str, queue_prefix: str
) -> None:
    port = free_port()
    options = {**worker_options(redis_url, queue_prefix, "metrics"), "max_tries": 1}
    worker = HeartbeatWorker(
        functions=[
            func(succeeds, name="succeeds"),
            func(fails, name="fails"),
            func(retries_once, name="retries_once", max_tries=3),
        ],
        beat=Beat(tmp_path, "notifier"),
        metrics_port=port,
        handle_signals=False,
        **options,
    )
    redis = await queue.connect(redis_url, retries=0)
    task = asyncio.create_task(worker.async_run())
    try:
        for job, job_id in (("succeeds", "a"), ("succeeds", "b"), ("fails", "c"), ("retries_once", "d")):
            await queue.enqueue(redis, queue_prefix, "metrics", job, {}, job_id)
        seen: dict[str, float] = {}
        async with httpx.AsyncClient() as http:
            for _ in range(100):
                await asyncio.sleep(0.1)
                assert not task.done(), task
                try:
                    r = await http.get(f"http://127.0.0.1:{port}/metrics")
                except httpx.ConnectError:
                    continue
                seen = figures(r.text)
                if seen.get("rectify_worker_jobs_done_total") == 3 and "rectify_worker_heartbeat_age_seconds" in seen:
                    break
        assert seen["rectify_worker_jobs_done_total"] == 3  # a, b and d's second try
        assert seen["rectify_worker_jobs_failed_total"] == 1
        assert seen["rectify_worker_jobs_retried_total"] == 1
        assert 0 <= seen["rectify_worker_heartbeat_age_seconds"] < 10
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await worker.close()
        await redis.aclose()
    # the metrics server stops with the worker
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
