"""What an arq job is given, typed, and the one way a job runs (issue 28, item 4).

arq hands every job a plain dict: what the worker's `on_startup` put there (`WorkerContext`) and
what arq adds per run (`job_id`, `job_try`, …): `JobContext` names both. Every job function is
wrapped in `@job`, which binds `job_id`, `job_try` and the payload's `request_id` (the API request
that caused the work, carried by the outbox) to the log context for the length of the run, so a
report's or a delivery's log lines can be found from the request that asked for them. A job opens
its database sessions with `async with job_session(ctx) as session:`.
"""

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypedDict, TypeVar, cast

import structlog
from arq.connections import ArqRedis
from arq.typing import WorkerCoroutine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from .settings import Settings


class WorkerContext(TypedDict, total=False):
    """Put in arq's ctx by a worker's `on_startup` (and arq's own `redis` pool)."""

    settings: Settings
    redis: ArqRedis
    engine: AsyncEngine
    #: report-worker: the read replica's engine, when DATABASE_RO_URL is set
    ro_engine: AsyncEngine
    write_sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    #: notifier: its delivery channels by name (notifier.delivery.channels)
    channels: dict[str, Any]


class JobContext(WorkerContext, total=False):
    """A worker's context as one job run sees it: arq adds these per run."""

    job_id: str
    job_try: int
    enqueue_time: datetime
    score: int


P = ParamSpec("P")
R = TypeVar("R")


def _request_id(args: tuple[Any, ...]) -> str | None:
    """The `request_id` of the run's payload (the first argument after ctx), when it has one."""
    payload = args[0] if args else None
    value = payload.get("request_id") if isinstance(payload, dict) else getattr(payload, "request_id", None)
    return value if isinstance(value, str) else None


def job(fn: Callable[Concatenate[JobContext, P], Awaitable[R]]) -> Callable[Concatenate[JobContext, P], Awaitable[R]]:
    """Run `fn` with `job_id`, `job_try` and the payload's `request_id` bound to every log line."""

    @functools.wraps(fn)
    async def run(ctx: JobContext, *args: P.args, **kwargs: P.kwargs) -> R:
        ids = {"job_id": ctx.get("job_id"), "job_try": ctx.get("job_try"), "request_id": _request_id(args)}
        with structlog.contextvars.bound_contextvars(**{k: v for k, v in ids.items() if v is not None}):
            return await fn(ctx, *args, **kwargs)

    return run


def as_arq(fn: Callable[..., Awaitable[Any]]) -> WorkerCoroutine:
    """A job as arq's `func`/`cron` take it: arq types the context as a plain dict (which a
    `JobContext` is, at run time)."""
    return cast(WorkerCoroutine, fn)


@asynccontextmanager
async def job_session(ctx: WorkerContext, *, write: bool = True) -> AsyncIterator[AsyncSession]:
    """A session of the worker's database: the primary (`write`), or the read sessions."""
    sessions = ctx["write_sessions"] if write else ctx["read_sessions"]
    async with sessions() as session:
        yield session
