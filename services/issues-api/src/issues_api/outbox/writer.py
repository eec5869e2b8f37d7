"""Writing an event into the outbox, in the caller's transaction."""

from typing import Any

from asgi_correlation_id import correlation_id
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.ids import new_id
from rectify_shared.models import OutboxEvent
from rectify_shared.models.types import utcnow


def event_values(
    event_type: str,
    aggregate_type: str,
    aggregate_id: int,
    data: dict[str, Any],
    *,
    org_path: str | None = None,
    in_feed: bool = True,
) -> dict[str, Any]:
    """An outbox row's values (a bulk writer inserts many at once; `record_event` adds one)."""
    return {
        "id": new_id(),
        "created_at": utcnow(),
        "event_type": event_type,
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "org_path": org_path,
        "in_feed": in_feed,
        "payload": data,
        "request_id": correlation_id.get(),
    }


def record_event(
    session: AsyncSession,
    event_type: str,
    aggregate_type: str,
    aggregate_id: int,
    data: dict[str, Any],
    *,
    org_path: str | None = None,
    in_feed: bool = True,
) -> OutboxEvent:
    event = OutboxEvent(
        **event_values(event_type, aggregate_type, aggregate_id, data, org_path=org_path, in_feed=in_feed)
    )
    session.add(event)
    return event
