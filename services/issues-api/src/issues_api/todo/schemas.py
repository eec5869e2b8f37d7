from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.escalation_policy import Level

from ..issues.schemas import MeasureListItem
from ..orgs.schemas import OrgRef


class OwedReport(BaseModel):
    """A dispatch round (调度) the org has not yet reported to."""

    dispatch_round_id: int
    round_id: int
    frequency: str = Field(examples=["weekly"], description="weekly | monthly")
    period: str = Field(examples=["2024-W50"])
    cutoff: datetime = Field(description="报送截止时间")
    late: bool = Field(description="The cutoff has passed (still owed: a report now counts as late)")


class LetterTodo(BaseModel):
    """A letter (预警/通报/督办/约谈): one addressed to the org that awaits its answer, or (for the
    office) one the scan proposed that awaits a person's decision to issue it."""

    id: int
    level: Level
    level_text: str = Field(examples=["督办"])
    state: str = Field(examples=["issued"])
    round_id: int
    issue_id: int | None
    measure_id: int | None
    closure_id: int | None
    dispatch_round_id: int | None
    petition_case_id: int | None
    addressed_org_id: int
    reason: str
    issued_on: date | None
    response_due: date | None
    overdue: bool = Field(description="Its response is due before the as-of day")


class ClosureStepTodo(BaseModel):
    """A closure (销号) step that waits on the org: the review (审核) or an acceptance level (验收)."""

    closure_id: int
    issue_id: int | None
    petition_case_id: int | None
    state: str = Field(examples=["accepting"])
    action: str = Field(description="review | accept", examples=["accept"])
    level: int | None = Field(description="The acceptance level (1-based) for `accept`")
    applicant_org_id: int
    applied_at: datetime
    step_due: date | None
    overdue: bool = Field(description="`step_due` is before the as-of day")


class OwedReports(BaseModel):
    count: int
    items: list[OwedReport]


class Letters(BaseModel):
    count: int
    items: list[LetterTodo]


class ClosureSteps(BaseModel):
    count: int
    items: list[ClosureStepTodo]


class MeasuresDue(BaseModel):
    count: int
    items: list[MeasureListItem]


class Todo(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "org": {"id": 13, "name": "阿巴嘎旗"},
                    "as_of": "2024-12-16",
                    "warning_days": 5,
                    "reports_owed": {
                        "count": 1,
                        "items": [
                            {
                                "dispatch_round_id": 3,
                                "round_id": 1,
                                "frequency": "weekly",
                                "period": "2024-W51",
                                "cutoff": "2024-12-19T09:00:00Z",
                                "late": False,
                            }
                        ],
                    },
                    "letters": {"count": 0, "items": []},
                    "closures": {"count": 0, "items": []},
                    "measures": {"count": 0, "items": []},
                    "letters_to_issue": {"count": 0, "items": []},
                }
            ]
        }
    )

    org: OrgRef
    as_of: date
    warning_days: int = Field(description="The warning window (working days before a deadline) used for `measures`")
    reports_owed: OwedReports = Field(description="Dispatch rounds the org still owes a report to, by cutoff")
    letters: Letters = Field(description="Letters addressed to the org awaiting its response (issued), by due day")
    closures: ClosureSteps = Field(description="Closure steps (review, acceptance) waiting on the org")
    measures: MeasuresDue = Field(
        description="The org's open measures overdue or due within the warning window, due first"
    )
    letters_to_issue: Letters = Field(
        description="Office only: letters the scan proposed in its subtree, awaiting a person's decision to issue"
    )
