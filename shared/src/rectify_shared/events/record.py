"""Writing an event into the outbox, in the caller's transaction (any service)."""

from typing import TYPE_CHECKING, Any

from ..ids import new_id
from ..models import OutboxEvent
from ..models.types import utcnow

if TYPE_CHECKING:
    from . import EventType, InternalEventType


def event_row(
    event_type: "EventType | InternalEventType",
    data: Any,
    *,
    aggregate_type: str,
    aggregate_id: int,
    org_path: str | None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """One outbox row's values: `data` must be the type's payload model (checked); published types
    go to the feed and webhooks (`in_feed`), internal ones only route work. A bulk writer (the round
    import) inserts many at once; `record_event` adds one through the session."""
    from . import InternalEventType, payload_model

    model = payload_model(event_type)
    if not isinstance(data, model):
        raise TypeError(f"{event_type} carries {model.__name__}, not {type(data).__name__}")
    return {
        "id": new_id(),
        "created_at": utcnow(),
        "event_type": str(event_type),
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "org_path": org_path,
        "in_feed": not isinstance(event_type, InternalEventType),
        "payload": data.dump(),
        "request_id": request_id,
    }


def record_event(
    session: Any,
    event_type: "EventType | InternalEventType",
    data: Any,
    *,
    aggregate_type: str,
    aggregate_id: int,
    org_path: str | None,
    request_id: str | None = None,
) -> OutboxEvent:
    """Add one outbox row of `event_type` (see `event_row`)."""
    row = event_row(
        event_type,
        data,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        org_path=org_path,
        request_id=request_id,
    )
    event = OutboxEvent(**row)
    session.add(event)
    return event
