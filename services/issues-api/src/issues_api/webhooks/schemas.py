"""A webhook subscription's bodies, and the event catalogue's."""

from datetime import datetime
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from rectify_shared.events import EVENT_TYPES


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://dcjc.nmg.example.gov.cn/rectify/hooks",
                    "event_types": ["escalation.issued", "issue.status_changed"],
                }
            ]
        },
    )

    url: AnyHttpUrl
    event_types: list[str] = Field(
        min_length=1,
        max_length=50,
        json_schema_extra={"items": {"type": "string", "enum": ["*", *sorted(EVENT_TYPES)]}},
        description='Event types, or ["*"] for all',
    )
    org_id: int | None = Field(default=None, description="Events of this org's subtree; default: the caller's org")

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t != "*" and t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event types / 未知事件类型: {unknown}")
        return sorted(set(value))


class WebhookRead(BaseModel):
    id: int
    url: str
    event_types: list[str]
    org_id: int
    owner: str
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="`whsec_…`: verify signatures with it. Shown once.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class EventType(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    type: str
    description: str
    schema_: dict[str, Any] = Field(
        alias="schema",
        description="The JSON Schema of the event's `data` (the webhooks section of the OpenAPI document "
        "carries the same, inside the envelope) / 事件数据的 JSON Schema",
    )


def envelope_example() -> dict[str, Any]:
    return {
        "id": "385067637784167979",
        "type": "escalation.issued",
        "timestamp": "2024-12-16T00:30:00Z",
        "data": {"id": 7, "level": "supervision", "issue_id": 9},
    }
