from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.plain_text import FreeText


class TemplatePut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "【{{ level_text }}】第{{ seq }}项问题",
                    "body": "{{ org_name }}：第{{ seq }}项问题{{ reason }}，请于{{ response_due }}前书面回复。",
                }
            ]
        },
    )

    subject: FreeText | None = Field(default=None, max_length=300)
    body: FreeText = Field(min_length=1, max_length=5000)


class TemplateRead(TemplatePut):
    event_type: str
    channel: str
    updated_by: str
    updated_at: datetime


class Placeholder(BaseModel):
    name: str = Field(examples=["level_text"])
    description: str = Field(examples=["督办级别（预警、通报、督办、约谈）"])
    example: Any = Field(examples=["预警"])


class MessageTemplateState(BaseModel):
    """One event kind and channel's wording as the office's messages use it."""

    event_type: str = Field(examples=["escalation.issued"])
    event_label: str = Field(examples=["督办函已发出"])
    channel: str = Field(examples=["sms"])
    source: str = Field(description="own: the office's; inherited: an office above it; default: shipped in code")
    subject: str | None
    body: str
    default_subject: str | None
    default_body: str
    placeholders: list[Placeholder] = Field(description="The variables the wording (and the default) may use")
    updated_by: str | None = None
    updated_at: datetime | None = None


class MessagePreview(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"subject": "【预警】第10项问题", "body": "阿巴嘎旗人民政府：第10项问题……"}]}
    )

    subject: str | None
    body: str
