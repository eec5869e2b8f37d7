"""Live updates: the change feed as Server-Sent Events (`GET /changes/stream`).

One poller per process (`FeedTail`) reads the feed's new positions — one small query a beat, however
many clients listen — and hands each event to the subscribers whose scope holds the changed row's
org. A stream holds no database connection: it reads the backlog (from `Last-Event-ID`) in short
sessions, then waits on its queue. The SSE `id` is the event's feed position, so a browser's
EventSource resumes by itself; a client that falls behind (its queue full) re-reads from the
database where it stopped.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db import enter_tenant
from rectify_shared.db_fast import dialect_of
from rectify_shared.ids import js_safe
from rectify_shared.models import OutboxEvent

from ..auth.principal import Scope

log = structlog.get_logger(__name__)

#: streams one caller (a user, an API key, the links one user signed) may hold open at once, by
#: default (RECTIFY_STREAMS_PER_CALLER)
MAX_STREAMS_PER_CALLER = 5
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.2
QUEUE_SIZE = 1000
PAGE = 200


@dataclass(eq=False)
class Subscriber:
    scope: Scope
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    #: events were dropped (the queue was full): re-read from the database
    lagging: bool = False


def frame(change: dict[str, Any]) -> bytes:
    return f"id: {change['position']}\ndata: {json.dumps(change, ensure_ascii=False, default=str)}\n\n".encode()


def change_of(row: Any) -> dict[str, Any]:
    """The `Change` of the feed (`/changes`), as JSON-ready values."""
    return {
        "position": int(row.position or 0),
        "id": str(row.id),
        "type": row.event_type,
        "aggregate_type": row.aggregate_type,
        "aggregate_id": str(row.aggregate_id),
        "occurred_at": row.created_at.isoformat(),
        "data": js_safe(row.payload),
    }


async def head(session: AsyncSession) -> int:
    return int((await session.execute(select(func.max(OutboxEvent.position)))).scalar() or 0)


async def read_after(
    sessions: async_sessionmaker[AsyncSession], scope: Scope | None, start: int, app_role: str = ""
) -> list[Any]:
    """A page of positioned feed events after `start` (in `scope`, or all), in one short session."""
    async with sessions() as session:
        if scope is not None and app_role and dialect_of(session).name == "postgresql":
            await enter_tenant(session, app_role, scope.path)
        stmt = select(OutboxEvent).where(col(OutboxEvent.position) > start, col(OutboxEvent.in_feed).is_(True))
        if scope is not None:
            stmt = stmt.where(scope.clause(OutboxEvent.org_path))
        return list((await session.execute(stmt.order_by(col(OutboxEvent.position)).limit(PAGE))).scalars().all())


class FeedTail:
    """The process's one reader of the feed's head, fanning events out to the open streams."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        poll_seconds: float = POLL_SECONDS,
        per_caller: int = MAX_STREAMS_PER_CALLER,
    ) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.per_caller = per_caller
        self.subscribers: set[Subscriber] = set()
        self.open_by_caller: dict[str, int] = {}
        self.position: int | None = None
        self._task: asyncio.Task[None] | None = None

    def open(self, caller: str) -> bool:
        """Count a caller's stream; False when it already holds the most it may."""
        if self.open_by_caller.get(caller, 0) >= self.per_caller:
            return False
        self.open_by_caller[caller] = self.open_by_caller.get(caller, 0) + 1
        return True

    def close(self, caller: str) -> None:
        left = self.open_by_caller.get(caller, 1) - 1
        if left > 0:
            self.open_by_caller[caller] = left
        else:
            self.open_by_caller.pop(caller, None)

    async def subscribe(self, scope: Scope) -> Subscriber:
        if self.position is None:
            async with self.sessions() as session:
                self.position = await head(session)
        sub = Subscriber(scope)
        self.subscribers.add(sub)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="feed-tail")
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    async def _run(self) -> None:
        while self.subscribers:
            try:
                await self.poll_once()
            except Exception:  # a database blip: the streams keep waiting, the next beat retries
                log.warning("feed_tail_poll_failed", exc_info=True)
            await asyncio.sleep(self.poll_seconds)

    async def poll_once(self) -> None:
        rows = await read_after(self.sessions, None, self.position or 0)
        for row in rows:
            change = change_of(row)
            for sub in list(self.subscribers):
                if sub.lagging or not sub.scope.contains(row.org_path):
                    continue
                try:
                    sub.queue.put_nowait(change)
                except asyncio.QueueFull:
                    sub.lagging = True
            self.position = change["position"]

    async def stop(self) -> None:
        self.subscribers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


async def events(
    tail: FeedTail, scope: Scope, start: int, caller: str, app_role: str = "", heartbeat: float = HEARTBEAT_SECONDS
) -> AsyncIterator[bytes]:
    """The stream of one client: the backlog after `start`, then live events, with heartbeats."""
    sub = await tail.subscribe(scope)  # first: nothing committed while the backlog is read is missed
    sent = start
    try:
        yield b"retry: 3000\n\n"
        while True:
            while True:  # the backlog (and, after a lag, what the queue dropped), from the database
                rows = await read_after(tail.sessions, scope, sent, app_role)
                for row in rows:
                    yield frame(change_of(row))
                    sent = int(row.position or 0)
                if len(rows) < PAGE:
                    break
            if sub.lagging:
                sub.queue = asyncio.Queue(QUEUE_SIZE)
                sub.lagging = False
                continue
            while not sub.lagging:
                try:
                    change = await asyncio.wait_for(sub.queue.get(), heartbeat)
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                if change["position"] > sent:
                    yield frame(change)
                    sent = change["position"]
    finally:
        tail.unsubscribe(sub)
        tail.close(caller)
