"""Writing an event into the outbox, in the caller's transaction: `rectify_shared.events.record_event`
with the request's id."""

from typing import Any

from asgi_correlation_id import correlation_id
from sqlmodel.ext.asyncio.session import AsyncSession

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
