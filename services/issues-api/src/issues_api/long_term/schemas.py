from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rectify_shared.attestation import AttestationCycle
from rectify_shared.enums import IssueStatus
from rectify_shared.ids import WideId
from rectify_shared.plain_text import FreeText

from ..orgs.schemas import OrgRef

RelapseSource = Literal["progress_report", "petition_case", "inspection", "other"]


class AttestationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "statement": "本季度对已整治的沙化草原开展巡查3次，未发现反弹，禁牧休牧措施落实到位。",
                    "attachment_ids": [12],
                }
            ]
        },
    )

    statement: FreeText = Field(min_length=1, max_length=20000, description="复核说明: the task still holds, and how")
    attachment_ids: list[int] = Field(default_factory=list, max_length=50, description="佐证材料, uploaded first")
    reporting_org_id: int | None = Field(default=None, description="Default: the unit itself, else the lead org")


class AttestationRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "issue_id": 5,
                    "statement": "本季度巡查3次，未发现反弹。",
                    "cycle": "quarterly",
                    "period": "2024-Q4",
                    "progress_report_id": "388049409119663637",
                    "attesting_org": {"id": 13, "name": "阿巴嘎旗"},
                    "attachment_ids": [12],
                    "attested_by": "abgq",
                    "attested_at": "2024-12-20T09:00:00+08:00",
                }
            ]
        }
    )

    id: int
    issue_id: int
    statement: str
    cycle: AttestationCycle
    period: str = Field(description='The period attested: "2024-11", "2024-Q4" or "2024"')
    progress_report_id: WideId = Field(description="The attestation is also a progress report (整改进展)")
    attesting_org: OrgRef
    attachment_ids: list[int]
    attested_by: str
    attested_at: datetime


class AttestationStatus(BaseModel):
    """Where a long-term task stands: its cycle, when it must next be attested, the attestations."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "issue_id": 5,
                    "long_term": True,
                    "status": "completed_long_term",
                    "attestation_cycle": "quarterly",
                    "next_attestation_due": "2025-03-31",
                    "items": [],
                    "next_cursor": None,
                }
            ]
        }
    )

    issue_id: int
    long_term: bool
    status: IssueStatus
    attestation_cycle: AttestationCycle | None
    next_attestation_due: date | None = Field(
        description="Null unless the task is completed_long_term with a cycle (then the ladder watches it)"
    )
    items: list[AttestationRead] = Field(description="Newest first")
    next_cursor: str | None


class RelapseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "群众举报该矿区复垦区域再次出现私挖滥采", "source": "petition_case", "petition_case_id": 41},
                {
                    "reason": "现场检查发现渗滤液再次外溢",
                    "source": "inspection",
                    "source_detail": "2025年1月盟督察办暗访",
                },
            ]
        },
    )

    reason: FreeText = Field(min_length=1, max_length=5000, description="What relapsed (反弹情况)")
    source: RelapseSource = Field(description="How the relapse came to light")
    petition_case_id: int | None = Field(
        default=None, description="For source petition_case: a case linked to the issue"
    )
    progress_report_id: WideId | None = Field(
        default=None, description="For source progress_report: a report on the issue"
    )
    source_detail: FreeText | None = Field(
        default=None, max_length=500, description="Required for inspection and other"
    )

    @model_validator(mode="after")
    def _source_named(self) -> "RelapseCreate":
        needed = {
            "petition_case": ("petition_case_id", self.petition_case_id),
            "progress_report": ("progress_report_id", self.progress_report_id),
        }.get(self.source, ("source_detail", (self.source_detail or "").strip() or None))
        if needed[1] is None:
            raise ValueError(f"{needed[0]} is required for source {self.source} / 请注明反弹线索来源（{needed[0]}）")
        return self


class RelapseRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "issue_id": 5,
                    "reason": "群众举报该矿区复垦区域再次出现私挖滥采",
                    "source": "petition_case",
                    "petition_case_id": 41,
                    "progress_report_id": None,
                    "source_detail": None,
                    "from_status": "closed",
                    "closure_id": 2,
                    "recorded_by": "admin",
                    "recorded_at": "2025-01-06T10:00:00+08:00",
                }
            ]
        }
    )

    id: int
    issue_id: int
    reason: str
    source: RelapseSource
    petition_case_id: int | None
    progress_report_id: WideId | None
    source_detail: str | None
    from_status: IssueStatus
    closure_id: int | None = Field(description="The closure reopened by the relapse, if the task had one")
    recorded_by: str
    recorded_at: datetime
