"""The outbox relay: gives committed events their feed position, then publishes them.

Positions are assigned after commit, one batch at a time under a lock, so the change feed
never skips a row that commits late: a reader past position P only ever sees rows > P appear.
Publishing is at-least-once; arq's job id and the consumers' own keys make repeats harmless.
"""

import asyncio
import contextlib
import time
from collections.abc import Coroutine, Generator
from datetime import datetime
from typing import Any

import structlog
from arq.connections import ArqRedis
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import queue
from rectify_shared.db_fast import core_execute
from rectify_shared.events import InternalEventType
from rectify_shared.jobs import (
    HANDLE_EVENT,
    NOTIFIER_QUEUE,
    RENDER_REPORT,
    REPORT_WORKER_QUEUE,
    RUN_SCAN_REQUEST,
    WITHDRAW_SCAN,
    EventEnvelope,
)
from rectify_shared.models import OutboxEvent
from rectify_shared.models.types import utcnow

log = structlog.get_logger(__name__)

_POSITION_LOCK_KEY = 727_301  # PostgreSQL advisory lock id for position assignment
BATCH = 500

_TABLE = OutboxEvent.__table__  # type: ignore[attr-defined]
#: Core, executed once for a whole batch (executemany): one ORM UPDATE per event cost about 1 ms
#: of CPU, and more as the batch grew (the ORM matched every UPDATE's criteria against each event
#: loaded in the session: quadratic in the batch)
_SET_POSITION = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.created_at == bindparam("b_created_at"))
    .values(position=bindparam("b_position"))
)
_SET_PUBLISHED = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.created_at == bindparam("b_created_at"))
    .values(published_at=bindparam("b_published_at"))
)


def envelope(event: OutboxEvent) -> EventEnvelope:
    return EventEnvelope(
        id=str(event.id),
        type=event.event_type,
        timestamp=event.created_at,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        data=event.payload,
        request_id=event.request_id,
    )


def routes(event: OutboxEvent) -> list[tuple[str, str, dict[str, Any], str]]:
    """Which worker queues an event goes to: (queue, job, payload, job id)."""
    out: list[tuple[str, str, dict[str, Any], str]] = []
    if event.in_feed:
        out.append((NOTIFIER_QUEUE, HANDLE_EVENT, envelope(event).model_dump(mode="json"), f"evt:{event.id}"))
    if event.event_type == InternalEventType.scan_requested:
        scan_id = event.payload["scan_id"]
        out.append(
            (
                NOTIFIER_QUEUE,
                RUN_SCAN_REQUEST,
                {"scan_id": scan_id, "request_id": event.request_id},
                f"scan:{scan_id}:{event.id}",
            )
        )
    if event.event_type == InternalEventType.scan_withdraw_requested:
        scan_id = event.payload["scan_id"]
        out.append(
            (
                NOTIFIER_QUEUE,
                WITHDRAW_SCAN,
                {"scan_id": scan_id, "request_id": event.request_id},
                f"scan-withdraw:{scan_id}:{event.id}",
            )
        )
    if event.event_type == InternalEventType.report_requested:
        report_id = event.payload["report_id"]
        out.append(
            (
                REPORT_WORKER_QUEUE,
                RENDER_REPORT,
                {"report_id": report_id, "request_id": event.request_id},
                f"report:{report_id}:{event.id}",
            )
        )
    return out


#: both of the relay's work lists in one round trip (it polls several times a second, busy or not)
_PENDING = select(
    select(OutboxEvent.id).where(OutboxEvent.position.is_(None)).exists().label("to_position"),
    select(OutboxEvent.id)
    .where(OutboxEvent.published_at.is_(None), OutboxEvent.position.is_not(None))
    .exists()
    .label("to_publish"),
)


async def pending_work(sessions: async_sessionmaker[AsyncSession]) -> tuple[bool, bool]:
    """(anything to position, anything to publish) — a cheap read, so an idle relay never takes
    SQLite's write lock (it polls several times a second)."""
    async with sessions() as session:
        row = (await core_execute(session, _PENDING)).one()
    return bool(row.to_position), bool(row.to_publish)


async def assign_positions(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _POSITION_LOCK_KEY})
        rows = (
            await session.execute(
                select(OutboxEvent.id, OutboxEvent.created_at)
                .where(OutboxEvent.position.is_(None))
                .order_by(OutboxEvent.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return 0
        top = (await session.execute(select(func.coalesce(func.max(OutboxEvent.position), 0)))).scalar_one()
        await core_execute(
            session,
            _SET_POSITION,
            [
                {"b_id": event_id, "b_created_at": created_at, "b_position": top + offset}
                for offset, (event_id, created_at) in enumerate(rows, start=1)
            ],
        )
        await session.commit()
        return len(rows)


async def publish(sessions: async_sessionmaker[AsyncSession], redis: ArqRedis, prefix: str) -> int:
    async with sessions() as session:
        events = (
            (
                await session.execute(
                    select(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None), OutboxEvent.position.is_not(None))
                    .order_by(OutboxEvent.position)
                    .limit(BATCH)
                )
            )
            .scalars()
            .all()
        )
        if not events:
            return 0
        done: list[tuple[int, datetime]] = []
        for event in events:
            for queue_short, job, payload, job_id in routes(event):
                await queue.enqueue(redis, prefix, queue_short, job, payload, job_id)
            done.append((event.id, event.created_at))
        now = utcnow()
        await core_execute(
            session,
            _SET_PUBLISHED,
            [{"b_id": event_id, "b_created_at": created_at, "b_published_at": now} for event_id, created_at in done],
        )
        await session.commit()
        return len(done)


class _Metered(Coroutine[Any, Any, None]):
    """`coro`, run by a task as itself, adding the CPU time of each of its steps (from an await to
    the next: all its own Python, SQLAlchemy's greenlet work included, on the loop's thread) to
    `relay.cpu_seconds`. What the loop does for it between steps (reading its sockets) is not
    counted: it stays with whatever else the process does."""

    def __init__(self, coro: Coroutine[Any, Any, None], relay: "OutboxRelay") -> None:
        self._coro = coro
        self._relay = relay

    def send(self, value: Any) -> Any:
        started = time.thread_time()
        try:
            return self._coro.send(value)
        finally:
            self._relay.cpu_seconds += time.thread_time() - started

    def throw(self, *args: Any) -> Any:
        started = time.thread_time()
        try:
            return self._coro.throw(*args)
        finally:
            self._relay.cpu_seconds += time.thread_time() - started

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, None]:
        return self._coro.__await__()


class OutboxRelay:
    """Runs in each issues-api process; the lock makes replicas take turns.

    It counts its own work (the app's /metrics: `rectify_outbox_relay_cpu_seconds_total`,
    `rectify_outbox_relay_events_total`): the CPU it takes from the process that also serves the
    requests, told apart from theirs (bench/api.py reports the two separately)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession],
        redis_url: str,
        prefix: str,
        poll_seconds: float,
    ) -> None:
        self.sessions = sessions
        self.read_sessions = read_sessions
        self.redis_url = redis_url
        self.prefix = prefix
        self.poll_seconds = poll_seconds
        self.wake = asyncio.Event()
        self._redis: ArqRedis | None = None
        self._task: asyncio.Task[None] | None = None
        self.redis_ok: bool | None = None
        #: the relay task's own CPU time (`_Metered`) and the events it positioned and published
        self.cpu_seconds = 0.0
        self.positioned = 0
        self.published = 0

    def start(self) -> None:
        self._task = asyncio.create_task(_Metered(self._run(), self), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            await self._redis.aclose()

    def poke(self) -> None:
        """Look for events now instead of at the next poll."""
        self.wake.set()

    async def _connect(self) -> ArqRedis | None:
        if self._redis is not None:
            return self._redis
        try:
            self._redis = await queue.connect(self.redis_url, retries=0)
        except Exception as exc:  # Redis down: the outbox keeps the events until it is back
            if self.redis_ok is not False:
                log.warning("outbox_redis_unavailable", error=str(exc))
            self.redis_ok = False
            return None
        return self._redis

    async def check_redis(self) -> bool:
        """A quick ping for readiness reports; never raises."""
        try:
            redis = await self._connect()
            if redis is None:
                return False
            await asyncio.wait_for(redis.ping(), 0.5)
            self.redis_ok = True
        except Exception:
            self.redis_ok = False
        return bool(self.redis_ok)

    async def run_once(self) -> tuple[int, int]:
        to_position, to_publish = await pending_work(self.read_sessions)
        positioned = await assign_positions(self.sessions) if to_position else 0
        published = 0
        if not (to_publish or positioned):
            return positioned, published
        redis = await self._connect()
        if redis is not None:
            try:
                published = await publish(self.sessions, redis, self.prefix)
                if self.redis_ok is False:
                    log.info("outbox_redis_back")
                self.redis_ok = True
            except Exception as exc:
                log.warning("outbox_publish_failed", error=str(exc))
                self.redis_ok = False
                with contextlib.suppress(Exception):
                    await redis.aclose()
                self._redis = None
        return positioned, published

    async def _run(self) -> None:
        delay = self.poll_seconds
        while True:
            try:
                positioned, published = await self.run_once()
                self.positioned += positioned
                self.published += published
                # back off only while Redis is known to be down
                delay = min(delay * 2, 5.0) if self.redis_ok is False else self.poll_seconds
                if positioned == BATCH or published == BATCH:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox_relay_error", error=str(exc))
                delay = min(max(delay, self.poll_seconds) * 2, 5.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=delay)
            self.wake.clear()
