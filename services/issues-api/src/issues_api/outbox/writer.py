"""Writing an event into the outbox, in the caller's transaction: `rectify_shared.events.record_event`
with the request's id."""

from typing import Any

from asgi_correlation_id import correlation_id
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


#: the row as one Core INSERT (built once): an `OutboxEvent` instance costs more to build and to flush
_INSERT_EVENT = insert_of(
    OutboxEvent.__table__,  # type: ignore[attr-defined]
    (
        "id",
        "created_at",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "org_path",
        "in_feed",
        "payload",
        "request_id",
    ),
)


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
