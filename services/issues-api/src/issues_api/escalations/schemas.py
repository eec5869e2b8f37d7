from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.escalation_policy import Level
from rectify_shared.plain_text import FreeText

from ..core.dates import Day
from ..core.strict import JsonBool
from .letter import LetterDetails

State = Literal["proposed", "issued", "responded", "resolved", "withdrawn"]


class EscalationRead(BaseModel):
    id: int
    round_id: int
    level: Level
    level_text: str = Field(examples=["督办"])
    rule: str
    issue_id: int | None
    measure_id: int | None
    dispatch_round_id: int | None
    petition_case_id: int | None = Field(default=None, description="An overdue petition case (信访举报件)")
    closure_id: int | None = Field(
        default=None, description="A closure step (review, an acceptance level) left pending: the closure"
    )
    addressed_org_id: int
    addressed_person: dict[str, Any] | None
    reason: str
    trigger: dict[str, Any]
    state: State
    as_of: date
    created_at: datetime
    issued_at: datetime | None
    issued_by: str | None
    response_due: date | None
    response: str | None
    responded_at: datetime | None
    responded_by: str | None
    resolved_at: datetime | None
    resolution: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    doc_no: str | None = Field(description="文号")
    reference: str | None = Field(description="Printed in the letter (依据)")
    letter: LetterDetails | None = Field(default=None, description="约谈安排 or 督办要求, printed in the letter")
    issued_on: date | None = Field(default=None, description="The day it was issued (China date)")
    issuer_org_id: int | None = Field(default=None, description="The round's 督察整改办 that issues the letter")
    scan_id: int | None = Field(default=None, description="The scan request that created it")


class EscalationCreate(BaseModel):
    """An escalation the office issues by hand."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "level": "supervision",
                    "issue_id": 9,
                    "reason": "餐厨垃圾处理设施建设进度滞后",
                    "doc_no": "锡环督〔2024〕12号",
                    "reference": "《锡林郭勒盟生态环境保护督察整改工作督办办法》",
                    "response_due": "2024-12-31",
                    "letter": {"requirements": ["12月31日前完成设备调试并投入试运行", "每周五报送建设进度"]},
                },
                {
                    "level": "summons",
                    "issue_id": 9,
                    "reason": "督办后仍未按期完成整改",
                    "doc_no": "锡整改办约〔2025〕1号",
                    "letter": {
                        "summons": {
                            "time": "2025-01-08T09:30:00+08:00",
                            "place": "盟行署3楼第一会议室",
                            "interviewers": ["王某（盟行署副盟长）"],
                            "interviewees": ["李某（盟住建局局长）"],
                            "agenda": ["被约谈单位汇报整改进展和存在问题", "约谈人提出整改要求", "被约谈单位表态发言"],
                        }
                    },
                },
            ]
        },
    )

    level: Level
    issue_id: int
    measure_id: int | None = None
    addressed_org_id: int | None = Field(default=None, description="Default: the task's responsible (lead) org")
    reason: FreeText = Field(min_length=2, max_length=2000)
    response_due: Day | None = None
    doc_no: FreeText | None = Field(default=None, max_length=100)
    reference: FreeText | None = Field(default=None, max_length=2000)
    letter: LetterDetails | None = Field(
        default=None, description="约谈安排 (summons only) and/or 督办要求; printed in the letter"
    )


class IssueAct(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"doc_no": "锡环督〔2024〕12号", "reference": "盟生态环境局督办通知"},
                {
                    "doc_no": "锡整改办督〔2024〕9号",
                    "letter": {"requirements": ["12月31日前完成设备调试并投入试运行", "每周五报送建设进度"]},
                },
            ]
        },
    )

    doc_no: FreeText | None = Field(default=None, max_length=100)
    reference: FreeText | None = Field(default=None, max_length=2000)
    response_due: Day | None = None
    letter: LetterDetails | None = Field(
        default=None, description="约谈安排 (summons only) and/or 督办要求; replaces what the draft had"
    )


class WithdrawAct(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "经核实已按期完成"}]})

    reason: FreeText = Field(min_length=2, max_length=1000)


class RespondAct(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"response": "已制定整改计划，12月底前完成设备调试。"}]}
    )

    response: FreeText = Field(min_length=2, max_length=5000)


class ScanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"as_of": "2024-12-16"}, {"as_of": "2027-02-01", "dry_run": True}]},
    )

    as_of: Day = Field(description="No later than today, unless `dry_run`")
    dry_run: JsonBool = Field(
        default=False, description="Rehearse: report what would be created, climbed and resolved; write nothing"
    )


class ScanWithdraw(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "扫描日期有误，整批撤回"}]})

    reason: str = Field(min_length=2, max_length=1000)


class ScanRead(BaseModel):
    id: int
    as_of: date
    status: Literal["queued", "running", "done", "failed"]
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    created: int | None = Field(description="Escalations the scan created")
    resolved: int | None = Field(description="Escalations the scan resolved")
    error: str | None
    dry_run: bool = False
    report: dict[str, Any] | None = Field(
        default=None,
        description="A dry run's findings: counts `created`, `climbed`, `resolved` and the rows "
        "(`would_create`, `would_climb`, `would_resolve`)",
    )
    withdraw_state: Literal["requested", "done"] | None = Field(
        default=None, description="Withdrawing everything the scan created: asked for, or done"
    )
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None
    withdrawn_count: int | None = Field(default=None, description="Escalations the withdrawal withdrew")
