from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.plain_text import FreeText

from ..core.dates import Day


class ExtensionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "冬季低温无法施工，需顺延至次年施工季", "proposed_deadline": "2025-06-30"}]
        },
    )

    reason: FreeText = Field(min_length=1, max_length=5000)
    proposed_deadline: Day


class ExtensionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"comment": "同意延期"}]})

    comment: FreeText | None = Field(default=None, max_length=5000)


class ExtensionRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "issue_id": 5,
                    "reason": "冬季低温无法施工",
                    "proposed_deadline": "2025-06-30",
                    "current_deadline": "2024-12-31",
                    "original_deadline": "2024-12-31",
                    "state": "pending",
                    "requested_by": "abgq",
                    "requested_at": "2024-12-01T01:00:00Z",
                    "decided_by": None,
                    "decided_at": None,
                    "decision_comment": None,
                }
            ]
        }
    )

    id: int
    issue_id: int
    reason: str
    proposed_deadline: date
    current_deadline: date = Field(description="the deadline when the request was made")
    original_deadline: date | None = Field(description="the first deadline ever set: on-time counts against it")
    state: Literal["pending", "approved", "rejected"]
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str | None
