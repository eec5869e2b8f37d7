from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rectify_shared.document_settings import DocumentSettings, settings_of
from rectify_shared.plain_text import NameText

from ..core.dates import Day
from ..core.strict import JsonBool


class RoundCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "第二轮中央生态环境保护督察",
                    "inspection_team": "中央第三生态环境保护督察组",
                    "stay_start": "2022-03-25",
                    "stay_end": "2022-04-25",
                    "feedback_date": "2022-06-02",
                    "target_region": "内蒙古自治区",
                    "org_id": 2,
                }
            ]
        },
    )

    name: NameText = Field(min_length=1, max_length=200)
    inspection_team: NameText = Field(min_length=1, max_length=200, description="督察组")
    stay_start: Day | None = Field(default=None, description="进驻开始")
    stay_end: Day | None = Field(default=None, description="进驻结束")
    feedback_date: Day | None = Field(default=None, description="反馈日期")
    target_region: NameText = Field(min_length=1, max_length=200, description="被督察地区")
    org_id: int = Field(description="The org whose office keeps this ledger (e.g. 锡林郭勒盟)")
    completion_requires_attachment: JsonBool = Field(
        default=False, description="A unit declaring a measure completed must have reported evidence (佐证材料) on it"
    )
    measure_evidence_private: JsonBool = Field(
        default=False,
        description="A unit that reads a problem only for a measure it answers for does not see the other "
        "measures' progress reports and evidence (佐证材料)",
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> "RoundCreate":
        if self.stay_start and self.stay_end and self.stay_end < self.stay_start:
            raise ValueError("stay_end is before stay_start / 进驻结束日期早于开始日期")
        if self.stay_end and self.feedback_date and self.feedback_date < self.stay_end:
            raise ValueError("feedback_date is before stay_end / 反馈日期早于进驻结束日期")
        return self


class RoundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    inspection_team: str
    stay_start: date | None
    stay_end: date | None
    feedback_date: date | None
    target_region: str
    org_id: int
    completion_requires_attachment: bool = False
    measure_evidence_private: bool = False
    plan_document: dict[str, Any] | None = Field(
        default=None,
        description="the 整改方案 the tasks come from, as its header says (doc_no, issuers, issued_on, title, "
        "sha256); set by an imported .docx",
    )
    document_settings: DocumentSettings = Field(
        default_factory=DocumentSettings,
        description="how the round's documents word a status and number its 方面 and measures",
    )
    created_at: datetime
    updated_at: datetime

    @field_validator("document_settings", mode="before")
    @classmethod
    def _settings(cls, stored: Any) -> Any:
        return settings_of(stored) if stored is None or isinstance(stored, dict) else stored
