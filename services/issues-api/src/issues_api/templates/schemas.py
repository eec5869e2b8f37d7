from datetime import datetime

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
