"""The OpenAPI `webhooks` section (OpenAPI 3.1): one entry per published event type, its body the
envelope a subscriber receives with that type's payload model (`rectify_shared.events`).

The routes are FastAPI's `app.webhooks`: they are documented, never served.
"""

from datetime import datetime
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field, create_model

from rectify_shared.events import CATALOGUE, EventType

from .enum_labels import EVENT_TYPE_TEXT

HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "The event id (the same as `id`); a repeat delivery carries the same one / 事件编号",
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": "Unix seconds of the attempt / 发送时间（秒）",
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the subscription's secret "
        "(Standard Webhooks) / 签名",
    },
]


class WebhookEvent(BaseModel):
    """What a subscriber receives: {"id", "type", "timestamp", "data"}."""

    id: str = Field(description="The event id: a 63-bit id as its decimal string", examples=["385067637784167979"])
    timestamp: datetime = Field(description="When the event was recorded")


def envelope(event_type: EventType) -> type[BaseModel]:
    payload = CATALOGUE[event_type].payload
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"{payload.__name__}Event",
        __base__=WebhookEvent,
        __doc__=f"`{event_type.value}`: {CATALOGUE[event_type].description}",
        type=(Literal[event_type.value], ...),  # type: ignore[valid-type,arg-type]
        data=(payload, ...),
    )
    return model


def _receiver(model: type[BaseModel]) -> Any:
    async def receive(body: model) -> None:  # type: ignore[valid-type]
        """Documented only: the subscriber's endpoint."""

    return receive


def register(app: FastAPI) -> None:
    """One webhook per event type in the catalogue (operation id `webhooks_<type>`)."""
    for event_type, spec in CATALOGUE.items():
        app.webhooks.add_api_route(
            event_type.value,
            _receiver(envelope(event_type)),
            methods=["POST"],
            operation_id=f"webhooks_{event_type.name}",
            summary=EVENT_TYPE_TEXT.get(event_type.value, event_type.value),
            description=f"{spec.description}. Answer 2xx to acknowledge; anything else is retried with backoff.",
            tags=["webhooks"],
            status_code=200,
        )


def finish(doc: dict[str, Any]) -> None:
    """The signature headers on every webhook, and only the answer a receiver gives (FastAPI would
    document its own 422 body, which no receiver sends)."""
    for item in doc.get("webhooks", {}).values():
        for op in item.values():
            op["parameters"] = [dict(h) for h in HEADERS]
            op["responses"] = {"200": {"description": "Received (any 2xx) / 已接收"}}
