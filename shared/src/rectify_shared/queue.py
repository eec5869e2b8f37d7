"""The only module that knows arq: JSON-serialising Redis pools and enqueueing.

arq is maintenance-only upstream; keeping it behind this module keeps a swap cheap.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

from arq import create_pool, func
from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob
from arq.worker import Function, Worker

from .jobs import queue_name
from .redis_url import is_sentinel, parse_sentinel_url


def redis_settings(url: str) -> RedisSettings:
    """From `redis://`, `unix://` or `redis+sentinel://` (arq asks the sentinels for the master)."""
    if is_sentinel(url):
        target = parse_sentinel_url(url)
        settings = RedisSettings(
            host=target.sentinels,
            database=target.db,
            password=target.password,
            sentinel=True,
            sentinel_master=target.master,
        )
    else:
        settings = RedisSettings.from_dsn(url)
    # Survive a Redis restart instead of exiting: retry connecting for ~30 s.
    settings.conn_retries = 30
    settings.conn_retry_delay = 1
    settings.retry_on_timeout = True
    return settings


def serialize(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def deserialize(data: bytes) -> Any:
    return json.loads(data)


async def connect(url: str, retries: int | None = None) -> ArqRedis:
    """A pool for enqueueing. `retries=0` fails fast when Redis is down (callers that
    keep the work in the database and try again later want that)."""
    settings = redis_settings(url)
    if retries is not None:
        settings.conn_retries = retries
    return await create_pool(settings, job_serializer=serialize, job_deserializer=deserialize)


async def enqueue(redis: ArqRedis, prefix: str, queue: str, job: str, payload: dict[str, Any], job_id: str) -> bool:
    """Enqueue once per `job_id`: arq refuses a second job with an id it still knows.

    arq keeps job keys (`arq:job:<id>`) outside the queue's namespace, so the id is prefixed
    too: deployments (or test runs) sharing one Redis never mistake each other's jobs for theirs.
    Returns False when arq already had the job (a duplicate, which is fine).
    """
    result = await redis.enqueue_job(job, payload, _job_id=f"{prefix}:{job_id}", _queue_name=queue_name(prefix, queue))
    return result is not None


def worker_options(url: str, prefix: str, queue: str) -> dict[str, Any]:
    """Settings every worker shares: its own queue, JSON, fast polling."""
    return {
        "redis_settings": redis_settings(url),
        "queue_name": queue_name(prefix, queue),
        "job_serializer": serialize,
        "job_deserializer": deserialize,
        "poll_delay": 0.1,
        "max_tries": 10,
        "job_timeout": 300,
        "keep_result": 3600,
        "health_check_interval": 10,
    }


class HeartbeatWorker(Worker):
    """An arq worker that calls `beat()` after every successful poll of its queue
    (see `rectify_shared.heartbeat`): a worker that stops reading its queue stops beating."""

    def __init__(self, *args: Any, beat: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._beat = beat

    async def heart_beat(self) -> None:
        await super().heart_beat()
        if self._beat is not None:
            self._beat()


def periodic(cron_jobs: Sequence[CronJob], run_periodic: bool) -> tuple[list[Function], list[CronJob]]:
    """(extra functions, cron jobs) for a worker.

    Only the scheduler (RECTIFY_RUN_PERIODIC=1) schedules the periodic jobs; arq puts each tick
    on the queue, where any worker may pick it up, so the others still register the same
    functions under the same names — they run a tick, they never schedule one.
    """
    if run_periodic:
        return [], list(cron_jobs)
    functions = [
        func(
            cj.coroutine,
            name=cj.name,
            timeout=cj.timeout_s,
            keep_result=cj.keep_result_s,
            keep_result_forever=cj.keep_result_forever,
            max_tries=cj.max_tries,
        )
        for cj in cron_jobs
    ]
    return functions, []
