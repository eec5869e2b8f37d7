"""Webhook subscriptions and the event catalogue (tag `notifications`)."""

from fastapi import APIRouter, Request, Response

from ..auth.deps import WebhooksManager
from ..core.deps import SessionDep, get_state
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page
from . import service
from .schemas import EventType, WebhookCreate, WebhookCreated, WebhookRead

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/event-types", response_model=list[EventType])
async def event_types(principal: WebhooksManager) -> list[EventType]:
    """The event catalogue (webhooks and the change feed). Envelope: {"id", "type", "timestamp", "data"}."""
    return service.event_types()


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, responses=errors(415, 422))
async def create_webhook(
    data: WebhookCreate, principal: WebhooksManager, session: SessionDep, response: Response, request: Request
) -> WebhookCreated:
    """Subscribe a URL to event types. Deliveries are signed (Standard Webhooks: `webhook-id`,
    `webhook-timestamp`, `webhook-signature`) with the `secret`, shown only in this response.
    The URL must resolve to public addresses (or to networks the operator allowed)."""
    created = await service.create(session, principal, data, get_state(request).settings.webhook_allow_networks)
    response.headers["Location"] = f"/api/v1/webhooks/{created.id}"
    return created


@router.get("/webhooks", response_model=Page[WebhookRead], responses=errors(422))
async def list_webhooks(
    principal: WebhooksManager, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[WebhookRead]:
    return await service.list_page(session, principal, limit, cursor)


@router.post("/webhooks/{webhook_id}/disable", response_model=WebhookRead, responses=errors(404))
async def disable_webhook(webhook_id: int, principal: WebhooksManager, session: SessionDep) -> WebhookRead:
    return await service.disable(session, principal, webhook_id)
