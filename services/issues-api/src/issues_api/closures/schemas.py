from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rectify_shared.enums import ClosureState
from rectify_shared.plain_text import FreeText, NameText

from ..core.dates import Day
from ..core.strict import JsonBool
from ..orgs.schemas import OrgRef


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [dict(e) for e in examples]})


class ClosureCreate(BaseModel):
    model_config = _examples(
        {
            "issue_id": 5,
            "statement": "已完成全部整改措施，渗滤液处理设施稳定运行，出水达标。",
            "attachment_ids": [7, 8],
        }
    )

    issue_id: int | None = Field(default=None, description="the task; or give petition_case_id instead")
    petition_case_id: int | None = Field(
        default=None, description="a petition case, when its round's closure policy says `writeoff`"
    )
    statement: FreeText = Field(min_length=1, max_length=20000, description="完成情况: the completion statement")
    attachment_ids: list[int] = Field(default_factory=list, max_length=50, description="Evidence already uploaded")

    @model_validator(mode="after")
    def _one_target(self) -> "ClosureCreate":
        if (self.issue_id is None) == (self.petition_case_id is None):
            raise ValueError("give exactly one of issue_id and petition_case_id / 问题与信访件须且只能指定一个")
        return self


class ReviewBody(BaseModel):
    model_config = _examples({"approve": True, "comment": "材料齐全，同意提请验收"})

    approve: JsonBool
    comment: FreeText | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _reason_for_refusal(self) -> "ReviewBody":
        if not self.approve and not (self.comment and self.comment.strip()):
            raise ValueError("a refusal needs a comment / 不同意须说明理由")
        return self


class AcceptBody(BaseModel):
    model_config = _examples({"comment": "经现场核查，整改到位，同意验收"})

    comment: FreeText | None = Field(default=None, max_length=5000)


class RejectBody(BaseModel):
    model_config = _examples({"reason": "佐证材料不足，缺少第三方检测报告"})

    reason: FreeText = Field(min_length=1, max_length=5000)


class ContactLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: NameText = Field(min_length=1, max_length=20, description="e.g. 联系电话, 电子邮箱, 通信地址")
    value: FreeText = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _not_blank(self) -> "ContactLine":
        self.label, self.value = self.label.strip().rstrip("：:"), self.value.strip()
        if not self.label or not self.value:
            raise ValueError("a contact line needs a label and a value / 联系方式须有名称和内容")
        return self


class PublicityBody(BaseModel):
    model_config = _examples(
        {
            "start": "2024-12-02",
            "days": 10,
            "day_kind": "working",
            "medium": "锡林郭勒盟行政公署网站",
            "contact": "盟督察整改办 0479-8888888",
        },
        {
            "start": "2025-12-29",
            "days": 7,
            "day_kind": "calendar",
            "legal_basis": "根据《锡林郭勒盟生态环境保护督察整改工作实施办法》",
            "issuer_org_id": 12,
            "contacts": [
                {"label": "联系电话", "value": "0479-8888888"},
                {"label": "电子邮箱", "value": "dcb@xlgl.gov.cn"},
            ],
            "attachment_title": "第十项整改任务销号情况表",
            "closing": "特此公示",
            "days_shown": "none",
        },
    )

    start: Day
    days: int | None = Field(default=None, ge=1, le=60, description="default: the round's closure policy")
    day_kind: Literal["working", "calendar"] | None = Field(
        default=None, description="default: the round's closure policy (working days unless set)"
    )
    medium: FreeText | None = Field(
        default=None, max_length=200, description="where the notice is published (公示媒介); optional"
    )
    contact: FreeText | None = Field(
        default=None, max_length=200, description="one free-text contact (联系方式：…); or use `contacts`"
    )
    legal_basis: FreeText | None = Field(
        default=None,
        max_length=300,
        description="法律依据 opening the notice, e.g. 根据《…整改工作实施办法》 (default: 根据<督察>整改工作安排)",
    )
    issuer_org_id: int | None = Field(
        default=None, description="the org issuing and signing the notice: any org in your scope (default: the office)"
    )
    contacts: list[ContactLine] = Field(
        default_factory=list, max_length=10, description="labelled contact lines, printed one a line as 名称：内容"
    )
    attachment_title: FreeText | None = Field(
        default=None, max_length=100, description="附件名称 (default: 整改任务完成情况表)"
    )
    closing: FreeText | None = Field(default=None, max_length=50, description="closing phrase, e.g. 特此公示")
    days_shown: Literal["working", "calendar", "none"] | None = Field(
        default=None,
        description="how the period's length is printed: （10个工作日）, （14日） or not at all (default: as day_kind)",
    )

    @model_validator(mode="after")
    def _tidy(self) -> "PublicityBody":
        def clean(v: str | None, trailing: str = "") -> str | None:
            v = (v or "").strip().rstrip(trailing).strip()
            return v or None

        self.medium, self.contact = clean(self.medium, "。"), clean(self.contact, "。")
        self.legal_basis = clean(self.legal_basis, "，,。")
        self.attachment_title, self.closing = clean(self.attachment_title), clean(self.closing, "。.")
        if self.legal_basis is not None and not self.legal_basis.startswith(("根据", "依据", "按照", "依照")):
            raise ValueError(
                "legal_basis starts with 根据, 依据, 按照 or 依照 / 法律依据须以“根据”“依据”“按照”或“依照”开头"
            )
        return self


class ObjectionCreate(BaseModel):
    model_config = _examples({"name": "张三", "contact": "13800000000", "content": "该处渗滤液仍有外溢。"})

    name: NameText = Field(min_length=2, max_length=50, description="real name (实名)")
    contact: FreeText = Field(min_length=5, max_length=100, description="a phone number or an address to answer to")
    content: FreeText = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _not_blank(self) -> "ObjectionCreate":
        if not self.name.strip() or not self.contact.strip() or not self.content.strip():
            raise ValueError("name, contact and content are required / 须填写实名、联系方式和异议内容")
        return self


class DecisionBody(BaseModel):
    model_config = _examples({"upheld": True, "reason": "经核查异议属实，渗滤液仍有外溢，重新整改"})

    upheld: JsonBool
    reason: FreeText = Field(min_length=1, max_length=5000)


class WriteoffBody(BaseModel):
    model_config = _examples({"comment": "公示期满无异议，同意销号"})

    comment: FreeText | None = Field(default=None, max_length=5000)


class LevelRead(BaseModel):
    level: int
    kind: str = Field(examples=["county"])
    org: OrgRef
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    comment: str | None = None


class PublicityRead(BaseModel):
    start: date
    end: date = Field(description="computed on the work calendar for working days (start included)")
    days: int
    day_kind: str
    medium: str
    contact: str
    legal_basis: str | None = None
    issuer: OrgRef | None = Field(default=None, description="the org issuing the notice (None: the round's office)")
    contacts: list[ContactLine] = Field(default_factory=list)
    attachment_title: str | None = None
    closing: str | None = None
    days_shown: str | None = Field(default=None, description="working / calendar / none; None: as day_kind")
    provisional: bool = Field(description="the end fell in a year without official calendar data")


class StepRead(BaseModel):
    id: int
    action: str = Field(examples=["accept"])
    from_state: str | None
    to_state: str
    level: int | None
    org_id: int | None = Field(description="the org whose opinion this step is (applicant, reviewer, level)")
    actor: str
    actor_org_id: int | None = Field(None, description="the org of the acting user (an office acting for a unit)")
    comment: str | None
    at: datetime


class ObjectionRead(BaseModel):
    id: int
    name: str = Field(description="the objector's real name; empty unless you are the office deciding objections")
    contact: str = Field(description="the objector's phone or address; empty unless you are the deciding office")
    objector_withheld: bool = Field(
        default=False, description="true: name and contact are withheld from you (personal data of the objector)"
    )
    content: str
    source: str = Field(description="public (the notice page) or office (recorded by the office)")
    filed_at: datetime
    decision: Literal["upheld", "dismissed"] | None
    decision_reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class ClosureSummary(BaseModel):
    id: int
    issue_id: int | None = Field(description="the task closed; null for a petition case's closure")
    petition_case_id: int | None = Field(default=None, description="the petition case closed (policy `writeoff`)")
    round_id: int
    state: ClosureState
    state_text: str = Field(examples=["验收中"])
    applicant_org_id: int
    accepted_levels: int
    step_due: date | None
    publicity_end: date | None
    updated_at: datetime


class ClosureRead(ClosureSummary):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "issue_id": 5,
                    "petition_case_id": None,
                    "round_id": 1,
                    "state": "accepting",
                    "state_text": "验收中",
                    "applicant_org_id": 13,
                    "accepted_levels": 1,
                    "step_due": "2024-12-16",
                    "publicity_end": None,
                    "updated_at": "2024-12-02T01:00:00Z",
                    "statement": "已完成全部整改措施。",
                    "levels": [],
                    "next_level": 2,
                    "publicity": None,
                    "last_reason": None,
                    "applied_at": "2024-12-01T01:00:00Z",
                    "applied_by": "abgq",
                    "written_off_at": None,
                    "steps": [],
                    "objections": [],
                    "attachment_ids": [7],
                }
            ]
        }
    )

    statement: str
    levels: list[LevelRead]
    next_level: int | None = Field(description="the 1-based acceptance level awaited, while accepting")
    publicity: PublicityRead | None
    last_reason: str | None
    applied_at: datetime
    applied_by: str
    written_off_at: datetime | None
    steps: list[StepRead]
    objections: list[ObjectionRead]
    attachment_ids: list[int]
