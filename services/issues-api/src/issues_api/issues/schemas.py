from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.periods import Cycle as AttestationCycle  # how often a 长期坚持 task is re-attested
from rectify_shared.plain_text import FreeText, NameText

from ..calendar.schemas import DeadlineRule, WorkingDaysAfterRule
from ..core.dates import Day
from ..core.strict import JsonBool
from ..orgs.schemas import OrgRef

ISSUE_SORTS = ("seq", "-seq", "deadline", "-deadline", "updated_at", "-updated_at", "created_at", "-created_at")
DeadlinePrecision = Literal["day", "month", "quarter", "half", "year", "working_days", "immediate", "long_term"]
_DEADLINE_TEXT = Field(
    default=None,
    description="The 整改时限 as written in the office's file (read-only; set by an import, cleared when the "
    "deadline is set as a date)",
    examples=["2025年12月底前", "长期坚持", "整改方案印发后30个工作日内"],
)
_DEADLINE_PRECISION = Field(
    default=None,
    description="How precise the deadline is (read-only): a month-only wording (2024年6月) is stored as the "
    "month's last day with precision `month`; `long_term` has no date; null when unknown",
    examples=["month"],
)
IssueSort = Literal["seq", "-seq", "deadline", "-deadline", "updated_at", "-updated_at", "created_at", "-created_at"]


_RULE_DOC = (
    'How the deadline is set: {"kind": "date"} (the `deadline` as given) or {"kind": "working_days_after", '
    '"event": "整改方案印发", "event_date": "2025-03-03", "days": 30} (counted on the work calendar; '
    "give no `deadline` with it)"
)


def _check_rule(model: BaseModel, rule: DeadlineRule | None) -> None:
    if isinstance(rule, WorkingDaysAfterRule) and "deadline" in model.model_fields_set:
        raise ValueError(
            "give either deadline or a working_days_after deadline_rule, not both / 完成时限与工作日规则只能二选一"
        )


class Leader(BaseModel):
    """责任领导"""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50, examples=["王某"])
    title: str | None = Field(default=None, max_length=100, examples=["盟行署副盟长"])
    phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+\-() ]{3,30}$")
    email: EmailStr | None = None


class Withdrawal(BaseModel):
    withdrawn_at: datetime
    withdrawn_by: str
    reason: str


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "重复录入 / duplicate entry"}]}
    )

    reason: FreeText = Field(min_length=2, max_length=1000)


_ISSUE_EXAMPLE: dict[str, Any] = {
    "round_id": 1,
    "seq": 13,
    "category": "其他需要关注的问题方面",
    "description": "某旗生活垃圾填埋场渗滤液处理设施未正常运行。",
    "goal": "渗滤液处理设施稳定运行，出水达标。",
    "lead_org_id": 12,
    "responsible_org_ids": [13],
    "responsible_leader": {"name": "王某", "title": "旗政府副旗长", "phone": "13904790000"},
    "deadline": "2025-06-30",
    "long_term": False,
}


_DISPLAY_DOC = "the task's number as the office writes it (序号十, 十, 3-1), shown beside `seq`"


def _display_no(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("display_no cannot be blank / 台账编号不能为空白")
    return value


#: 序号十, 十, 3-1: at most 20 characters of one line
DisplayNo = Annotated[NameText, Field(min_length=1, max_length=20), AfterValidator(_display_no)]


class IssueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_ISSUE_EXAMPLE]})

    round_id: int
    seq: int | None = Field(default=None, ge=1, description="Problem number; default: next in the round")
    display_no: DisplayNo | None = Field(default=None, description=_DISPLAY_DOC)
    category: FreeText = Field(min_length=1, max_length=200, description="The 方面 heading")
    description: FreeText = Field(min_length=1, max_length=20000)
    goal: FreeText | None = Field(default=None, max_length=5000, description="整改目标")
    lead_org_id: int
    responsible_org_ids: list[int] = Field(default_factory=list, max_length=100)
    responsible_leader: Leader | None = None
    deadline: Day | None = None
    deadline_rule: DeadlineRule | None = Field(default=None, description=_RULE_DOC)
    long_term: JsonBool = False
    attestation_cycle: AttestationCycle | None = Field(default=None, description="长期坚持: re-attestation cycle")
    occurred_on: Day | None = Field(
        default=None,
        description="整改办补录: the day the problem was assigned, if before it was entered "
        "(office only; not in the future, not before the round's stay_start). Default: today",
    )

    @model_validator(mode="after")
    def _consistent(self) -> "IssueCreate":
        _check_rule(self, self.deadline_rule)
        if self.attestation_cycle is not None and not self.long_term:
            raise ValueError("attestation_cycle is only for long_term tasks / 仅长期坚持的任务有复核周期")
        return self


class IssuePatch(BaseModel):
    """Only the fields given change (at least one). A status change follows the published transition table."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "minProperties": 1,
            "examples": [
                {"status": "in_progress"},
                {"status": "in_progress", "reason": "复查发现问题反弹 / relapse found on review"},
                {"deadline": "2025-12-31", "deadline_reason": "按整改方案调整"},
            ],
        },
    )

    category: FreeText = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]  # never null
    display_no: DisplayNo | None = Field(default=None, description=_DISPLAY_DOC + "; null clears it")
    description: FreeText = Field(default=None, min_length=1, max_length=20000)  # type: ignore[assignment]
    goal: FreeText | None = Field(default=None, max_length=5000)
    lead_org_id: int | None = None
    responsible_org_ids: list[int] | None = Field(default=None, max_length=100)
    responsible_leader: Leader | None = None
    deadline: Day | None = None
    deadline_rule: DeadlineRule | None = Field(default=None, description=_RULE_DOC)
    deadline_reason: FreeText | None = Field(default=None, max_length=1000)
    long_term: JsonBool = None  # type: ignore[assignment]  # may be left out, never null
    attestation_cycle: AttestationCycle | None = None
    status: IssueStatus | None = None
    reason: FreeText | None = Field(
        default=None,
        max_length=1000,
        description="Why the status changes. Required to reopen a completed problem (its stored status completed "
        "or completed_long_term → in_progress; else 422 naming `body.reason`); the office overrides the transition "
        "table only with one (else 409 illegal_transition); required to complete a problem whose measures are not "
        "all completed or waived (else 409 measures_open) / 状态变更原因：重新打开已完成的任务、整改办越权变更时必填",
    )
    on_schedule: JsonBool | None = Field(default=None, description="达到序时进度 (true) / 滞后 (false)")
    occurred_on: Day | None = Field(
        default=None,
        description="整改办补录: the day the status change happened, if before it was entered "
        "(office only; not in the future, not before the round's stay_start). Default: today",
    )

    @model_validator(mode="after")
    def _consistent(self) -> "IssuePatch":
        _check_rule(self, self.deadline_rule)
        return self


class MeasureRead(BaseModel):
    id: int
    issue_id: int
    seq: int | None = Field(description="（一）=1, （二）=2…; null for an unnumbered paragraph")
    position: int
    text: str
    responsible_org: OrgRef | None
    deadline: date | None
    original_deadline: date | None
    deadline_rule: DeadlineRule | None = None
    deadline_provisional: bool = Field(default=False, description="Counted on a year without official data yet")
    deadline_text: str | None = _DEADLINE_TEXT
    deadline_precision: DeadlinePrecision | None = _DEADLINE_PRECISION
    status: MeasureStatus
    waived_reason: str | None = Field(default=None, description="Why the office waived it (status `waived`)")
    withdrawal: Withdrawal | None = None
    created_at: datetime
    updated_at: datetime
    overdue: bool = Field(
        examples=[True],
        description="Neither completed nor waived, not withdrawn (nor its problem), and due — its own `deadline`, "
        "else its problem's — before the as-of day (the request's day, China time, or `as_of`) / 逾期",
    )
    days_overdue: int | None = Field(
        examples=[3],
        description="Working days past the day it is due up to the as-of day, on the office's work calendar (调休 "
        "counted, holidays skipped; a Friday deadline is 0 on Saturday, 1 on Monday); null when not overdue / "
        "逾期工作日",
    )


class IssueSummary(BaseModel):
    id: int
    round_id: int
    seq: int
    display_no: str | None = Field(default=None, examples=["序号十"], description=_DISPLAY_DOC)
    category: str
    description: str
    status: IssueStatus
    status_text: str = Field(examples=["已完成整改，长期坚持"])
    on_schedule: bool | None
    long_term: bool
    deadline: date | None
    original_deadline: date | None
    deadline_rule: DeadlineRule | None = None
    deadline_provisional: bool = Field(default=False, description="Counted on a year without official data yet")
    deadline_text: str | None = _DEADLINE_TEXT
    deadline_precision: DeadlinePrecision | None = _DEADLINE_PRECISION
    lead_org: OrgRef
    responsible_orgs: list[OrgRef]
    responsible_leader: Leader | None
    created_at: datetime
    updated_at: datetime
    overdue: bool = Field(
        examples=[True],
        description="Not started or in progress, and `deadline` is before the as-of day (the request's day, China "
        "time, or `as_of`) / 逾期",
    )
    days_overdue: int | None = Field(
        examples=[3],
        description="Working days past `deadline` up to the as-of day, on the office's work calendar (调休 counted, "
        "holidays skipped; a Friday deadline is 0 on Saturday, 1 on Monday); null when not overdue / 逾期工作日",
    )


class IssueRead(IssueSummary):
    goal: str | None
    attestation_cycle: AttestationCycle | None = None
    next_attestation_due: date | None = Field(
        default=None,
        description="长期坚持: the day by which the task must next be re-attested (the end of the current period, "
        "or of the next once this one is attested); null unless completed_long_term with a cycle",
    )
    illustrative: list[str] = Field(
        default_factory=list, description="Fields filled in for the demo, not from a source document"
    )
    withdrawal: Withdrawal | None = None
    allowed_transitions: list[IssueStatus]
    measures: list[MeasureRead]


class MeasureCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "制定渗滤液处理设施整改方案并报盟住建局备案。",
                    "responsible_org_id": 13,
                    "deadline": "2025-03-31",
                },
                {"seq": None, "text": "（不编号的整改情况段落）"},
            ]
        },
    )

    seq: int | None = Field(
        default=None, ge=1, description="Omit for the next number; null for an unnumbered paragraph"
    )
    text: FreeText = Field(min_length=1, max_length=20000)
    responsible_org_id: int | None = None
    deadline: Day | None = None
    deadline_rule: DeadlineRule | None = Field(default=None, description=_RULE_DOC)
    status: MeasureStatus = MeasureStatus.not_started
    occurred_on: Day | None = Field(
        default=None,
        description="整改办补录: the day the measure was set, if before it was entered "
        "(office only; not in the future, not before the round's stay_start). Default: today",
    )

    @model_validator(mode="after")
    def _consistent(self) -> "MeasureCreate":
        _check_rule(self, self.deadline_rule)
        return self


class MeasurePatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "minProperties": 1,
            "examples": [{"status": "completed"}, {"status": "waived", "reason": "方案调整，经整改办同意不再实施"}],
        },
    )

    text: FreeText = Field(default=None, min_length=1, max_length=20000)  # type: ignore[assignment]  # never null
    responsible_org_id: int | None = None
    deadline: Day | None = None
    deadline_rule: DeadlineRule | None = Field(default=None, description=_RULE_DOC)
    deadline_reason: FreeText | None = Field(default=None, max_length=1000)
    status: MeasureStatus = Field(  # type: ignore[assignment]  # may be left out, never null
        default=None,
        description="The responsible unit: not_started → in_progress → completed (with the evidence the round "
        "requires) and completed → in_progress. The office may make any other change (`waived` included) with "
        "a `reason`",
    )
    reason: FreeText | None = Field(default=None, max_length=1000, description="Why: required for an office override")
    occurred_on: Day | None = Field(
        default=None,
        description="整改办补录: the day the status change happened, if before it was entered "
        "(office only; not in the future, not before the round's stay_start). Default: today",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> "MeasurePatch":
        if not self.model_fields_set:
            raise ValueError("nothing to change / 没有要修改的字段")
        _check_rule(self, self.deadline_rule)
        return self


class MeasureListItem(MeasureRead):
    """A measure as the measure list (and the to-do) shows it: with its problem and where it
    stands against its deadline on the as-of day."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 41,
                    "issue_id": 9,
                    "seq": 1,
                    "position": 1,
                    "text": "完成渗滤液处理设施改造。",
                    "responsible_org": {"id": 21, "name": "盟住建局"},
                    "deadline": "2024-12-31",
                    "original_deadline": "2024-12-31",
                    "deadline_provisional": False,
                    "deadline_text": "2024年12月底前",
                    "deadline_precision": "month",
                    "status": "in_progress",
                    "created_at": "2024-12-01T01:00:00Z",
                    "updated_at": "2024-12-01T01:00:00Z",
                    "round_id": 1,
                    "issue_seq": 9,
                    "category": "其他需要关注的问题方面",
                    "due": "2024-12-31",
                    "overdue": True,
                    "days_overdue": 3,
                }
            ]
        }
    )

    round_id: int
    issue_seq: int = Field(description="The problem's number in its round")
    category: str = Field(description="The problem's 方面 heading")
    due: date | None = Field(description="The measure's deadline, else its problem's (what it is judged against)")
