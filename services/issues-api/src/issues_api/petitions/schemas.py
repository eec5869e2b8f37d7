"""Request and response models of petition batches and cases (the JSON names are a contract)."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rectify_shared.enums import PetitionChannel, PetitionDayKind, PetitionState, PetitionVerdict
from rectify_shared.plain_text import FreeText

from ..core.dates import Day
from ..core.strict import JsonBool

INTAKE_NO = r"^[A-Za-z0-9][A-Za-z0-9\-]{2,49}$"
#: a pollution type's code (GET /pollution-types lists them; an office admin adds more)
PollutionCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["air"])]


class Accountability(BaseModel):
    """责任追究情况: enterprises, cases, persons and the fine in 元, plus free text."""

    model_config = ConfigDict(extra="forbid")

    ordered_rectification: int = Field(default=0, ge=0, description="责令整改 (enterprises)")
    penalty_cases: int = Field(default=0, ge=0, description="立案处罚 (enterprises)")
    fine_yuan: int = Field(default=0, ge=0, description="罚款 (元)")
    criminal_investigations: int = Field(default=0, ge=0, description="立案侦查 (cases)")
    administrative_detentions: int = Field(default=0, ge=0, description="行政拘留 (persons)")
    criminal_detentions: int = Field(default=0, ge=0, description="刑事拘留 (persons)")
    interviews: int = Field(default=0, ge=0, description="约谈 (persons)")
    accountable_persons: int = Field(default=0, ge=0, description="问责 (persons)")
    notes: str | None = Field(default=None, max_length=5000, description="责任追究情况, as written")


class PolicyWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"due_days": 10, "day_kind": "calendar"}]}
    )

    due_days: int = Field(ge=1, le=365, description="Time limit for reporting a case back, from the batch's transfer")
    day_kind: PetitionDayKind = Field(description="calendar days, or working days on the work calendar")


class PolicyRead(PolicyWrite):
    round_id: int
    default: bool = Field(description="True when the round has no policy of its own (10 calendar days)")
    updated_by: str | None = None
    updated_at: datetime | None = None


class BatchCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"round_id": 1, "batch_no": 3, "transferred_at": "2022-03-29"}]},
    )

    round_id: int
    batch_no: int = Field(ge=1, le=1000, description="第N批")
    transferred_at: Day = Field(description="The day the inspection team transferred the batch")
    due_days: int | None = Field(
        default=None, ge=1, le=365, description="This batch's time limit; default: the round's"
    )
    day_kind: PetitionDayKind | None = None


class BatchRead(BaseModel):
    id: int
    round_id: int
    batch_no: int
    transferred_at: date
    due_days: int | None
    day_kind: PetitionDayKind | None
    case_count: int = Field(description="Cases of this batch within the caller's scope")
    created_at: datetime


_CASE_EXAMPLE: dict[str, Any] = {
    "batch_id": 1,
    "intake_no": "D3SX202505280018",
    "channel": "phone",
    "content": "反映某砂石料场露天堆放，扬尘污染严重。",
    "locality_org_id": 17,
    "reported_party": "某砂石料场",
    "address": "某旗某镇",
    "pollution_types": ["air"],
    "key_attention": False,
}


class CaseFields(BaseModel):
    """Fields a case is created with and that a PATCH may change."""

    model_config = ConfigDict(extra="forbid")

    channel: PetitionChannel | None = None
    reported_party: FreeText | None = Field(default=None, max_length=500)
    address: FreeText | None = Field(default=None, max_length=500)
    pollution_types: list[PollutionCode] = Field(
        default_factory=list, max_length=8, description="Codes from GET /api/v1/pollution-types"
    )
    key_attention: JsonBool = False
    responsible_org_id: int | None = None
    due_date: Day | None = None
    findings: FreeText | None = Field(default=None, max_length=20000, description="调查核实情况")
    verdict: PetitionVerdict | None = Field(default=None, description="是否属实")
    handling: FreeText | None = Field(default=None, max_length=20000, description="处理和整改情况")
    accountability: Accountability | None = None
    published_at: Day | None = None
    follow_up: FreeText | None = Field(default=None, max_length=5000, description="回访")
    repeat_of_id: int | None = Field(default=None, description="The earlier case this complaint repeats (重复举报)")
    issue_id: int | None = Field(default=None, description="A ledger issue the case revealed")

    @field_validator("pollution_types")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(value)) if value is not None else None


class CaseCreate(CaseFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CASE_EXAMPLE]})

    batch_id: int
    round_id: int | None = Field(default=None, description="Optional: must be the batch's round")
    intake_no: str = Field(pattern=INTAKE_NO, description="受理编号, unique in a round")
    content: FreeText = Field(min_length=1, max_length=20000, description="交办问题基本情况")
    locality_org_id: int = Field(description="The 旗县 the complaint is about")


class CasePatch(CaseFields):
    """Only the fields given change. `closed` needs `certified_by` and `certified_at` (given or
    already on the case) and a verdict; leaving `closed`, or going back to `in_progress`, needs a
    `reason`. Unit operators may change the findings, verdict, handling, accountability,
    publication and follow-up, and move a case between in_progress and closed_in_stage."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "minProperties": 1,
            "examples": [
                {
                    "findings": "经现场核查，该料场未采取苫盖措施。",
                    "verdict": "substantiated",
                    "state": "closed_in_stage",
                },
                {"state": "closed", "certified_by": "自治区生态环境厅", "certified_at": "2022-10-20"},
            ],
        },
    )

    content: FreeText = Field(default=None, min_length=1, max_length=20000)  # type: ignore[assignment]  # never null
    locality_org_id: int = None  # type: ignore[assignment]  # may be left out, never null
    pollution_types: list[PollutionCode] = Field(default=None, max_length=8)  # type: ignore[assignment,arg-type]  # never null
    key_attention: JsonBool = None  # type: ignore[assignment]  # may be left out, never null
    state: PetitionState | None = None
    reason: FreeText | None = Field(default=None, max_length=1000, description="Why a case is reopened")
    certified_by: FreeText | None = Field(default=None, max_length=200, description="The upper department certifying")
    certified_at: Day | None = None


class CaseRead(BaseModel):
    id: int
    round_id: int
    batch_id: int
    batch_no: int
    intake_no: str
    channel: PetitionChannel | None
    content: str
    locality_org_id: int
    locality_name: str
    reported_party: str | None
    address: str | None
    pollution_types: list[str]
    key_attention: bool
    responsible_org_id: int | None
    due_date: date | None
    overdue: bool = Field(description="Still in progress (正在办理) after its due date")
    findings: str | None
    verdict: PetitionVerdict | None
    verdict_text: str | None = Field(examples=["属实"])
    handling: str | None
    accountability: Accountability | None
    state: PetitionState
    state_text: str = Field(examples=["已办结"])
    certified_by: str | None
    certified_at: date | None
    published_at: date | None
    follow_up: str | None
    repeat_of_id: int | None
    issue_id: int | None
    illustrative: list[str] = Field(default_factory=list, description="Fields filled in for the demo")
    created_at: datetime
    updated_at: datetime


class ImportCell(BaseModel):
    """One cell of the batch file that is wrong (an error) or not fully read (a warning)."""

    sheet: str | None = Field(examples=["第101批"])
    row: int | None = Field(description="As Excel numbers it", examples=[5])
    column: str | None = Field(description="The header as written", examples=["污染类型"])
    value: str | None = Field(examples=["光污染"])
    reason: str = Field(description="Chinese / English")
    reason_zh: str
    reason_en: str
    matches: list[dict[str, str]] | None = Field(
        default=None, description="For an unknown pollution type: the closest listed types (code, name)"
    )


class ImportPreviewRow(BaseModel):
    row: int
    action: str = Field(examples=["create"])
    intake_no: str
    locality: dict[str, Any] = Field(examples=[{"id": 17, "name": "阿巴嘎旗"}])
    state: PetitionState
    state_written: str | None = Field(description="办理状态 as the file wrote it (未办结 → in_progress)")
    verdict: PetitionVerdict | None
    pollution_types: list[str]
    accountability: dict[str, Any] | None = Field(description="The counts read from 责任追究情况, and its text")


class ImportPreview(BaseModel):
    """What importing the file would do; nothing is written. `ok` false: the import would be refused."""

    batch_id: int
    sheet: str | None
    ok: bool
    counts: dict[str, int] = Field(examples=[{"create": 3, "errors": 0, "warnings": 1}])
    rows: list[ImportPreviewRow]
    errors: list[ImportCell]
    warnings: list[ImportCell]
