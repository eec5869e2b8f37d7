"""The only module that knows arq: JSON-serialising Redis pools and enqueueing.

arq is maintenance-only upstream; keeping it behind this module keeps a swap cheap.
"""

import json
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from .jobs import queue_name


def redis_settings(url: str) -> RedisSettings:
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
