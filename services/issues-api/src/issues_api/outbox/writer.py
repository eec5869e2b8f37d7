"""Writing an event into the outbox, in the caller's transaction: `rectify_shared.events.record_event`
with the request's id."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from asgi_correlation_id import correlation_id
from sqlalchemy import bindparam, insert
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import bound, insert_of, write
from rectify_shared.events import EventData, EventType, InternalEventType
from rectify_shared.events import record_event as record
from rectify_shared.events.record import event_row
from rectify_shared.models import OutboxEvent


def event_values(
    event_type: EventType | InternalEventType,
    aggregate_type: str,
    aggregate_id: int,
    data: EventData,
    *,
    org_path: str | None = None,
) -> dict[str, Any]:
    """An outbox row's values with the request's id (a bulk writer inserts many at once)."""
    return event_row(
        event_type,
        data,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        org_path=org_path,
        request_id=correlation_id.get(),
    )


_EVENT_KEYS = ("id", "created_at", "event_type", "aggregate_type", "aggregate_id", "org_path", "in_feed", "payload",
               "request_id")  # fmt: skip
#: the row as one Core INSERT (built once): an `OutboxEvent` instance costs more to build and to flush
_INSERT_EVENT = insert_of(OutboxEvent.__table__, _EVENT_KEYS)  # type: ignore[attr-defined]


async def insert_event(
    session: AsyncSession,
    event_type: EventType | InternalEventType,
    aggregate_type: str,
    aggregate_id: int,
    data: EventData,
    *,
    org_path: str | None = None,
) -> dict[str, Any]:
    """`record_event`, written at once (pending ORM changes flushed first) as a Core INSERT on the
    session's connection (`db_fast.write`); the row's values."""
    values = event_values(event_type, aggregate_type, aggregate_id, data, org_path=org_path)
    await write(session, _INSERT_EVENT, bound(values))
    return values


@lru_cache(maxsize=16)
def _insert_events(n: int, prefix: str = "b") -> Any:
    """One INSERT of `n` events (built once per `n`), the i-th event's values bound as `<prefix><i>_<key>`."""
    table = OutboxEvent.__table__  # type: ignore[attr-defined]
    rows = [{k: bindparam(f"{prefix}{i}_{k}", type_=table.c[k].type) for k in _EVENT_KEYS} for i in range(n)]
    return insert(table).values(rows)


def events_insert(rows: Sequence[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
    """One INSERT of the events `rows` (`event_values`) and its parameters, named `e<i>_<key>`
    (apart from the audit append's, which may run it: `audit.writer.append_audits`'s `also`)."""
    params = {f"e{i}_{k}": v for i, values in enumerate(rows) for k, v in values.items()}
    return _insert_events(len(rows), "e"), params


def record_event(
    session: AsyncSession,
    event_type: EventType | InternalEventType,
    aggregate_type: str,
    aggregate_id: int,
    data: EventData,
    *,
    org_path: str | None = None,
) -> OutboxEvent:
    """One outbox row of `event_type`, its `data` the type's payload model; an internal type is
    kept out of the feed and webhooks."""
    return record(
        session,
        event_type,
        data,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        org_path=org_path,
        request_id=correlation_id.get(),
    )
