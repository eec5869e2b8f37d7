from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rectify_shared.enums import REPORT_FORMATS, MoneyUnit, ReportFormat, ReportKind, ReportState

from ..core.dates import Day

PETITION_KINDS = (ReportKind.petition_notice, ReportKind.petition_table)

CLOSURE_KINDS = (ReportKind.closure_notice, ReportKind.closure_form)


class ReportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "ledger", "round_id": 1, "format": "xlsx"},
                {"kind": "ledger", "round_id": 1, "format": "md", "as_of": "2024-12-15"},
                {
                    "kind": "petition_notice",
                    "round_id": 1,
                    "format": "docx",
                    "as_of": "2022-04-20",
                    "money_unit": "wan_yuan",
                },
                {"kind": "petition_table", "round_id": 1, "format": "xlsx", "batch_id": 12},
                {"kind": "closure_notice", "round_id": 1, "format": "docx", "closure_id": 3},
            ]
        },
    )

    kind: ReportKind
    round_id: int
    format: ReportFormat
    as_of: Day | None = Field(default=None, description="Default: today (China time)")
    org_id: int | None = Field(
        default=None,
        description="Only problems where this org's subtree is lead or responsible; the report speaks for this org "
        "(title, 全盟/全市 wording). Default: the round's org when in your scope, else your own",
    )
    dispatch_round_id: int | None = Field(default=None, description="For `dispatch_summary`: the dispatch round")
    escalation_id: int | None = Field(default=None, description="For `escalation_notice`: the escalation")
    batch_id: int | None = Field(
        default=None,
        description="For `petition_table` (required): the batch; for `petition_notice`: the day's batch "
        "(default: the round's latest batch transferred by `as_of`)",
    )
    money_unit: MoneyUnit | None = Field(
        default=None, description="For `petition_notice`: sums of money in 元 (`yuan`, default) or 万元 (`wan_yuan`)"
    )
    closure_id: int | None = Field(
        default=None, description="For `closure_notice` (销号公示) and `closure_form` (销号审批表): the closure"
    )

    @model_validator(mode="after")
    def _kind_needs(self) -> "ReportRequest":
        if self.format not in REPORT_FORMATS[self.kind]:
            allowed = ", ".join(sorted(REPORT_FORMATS[self.kind]))
            raise ValueError(f"a {self.kind} report comes as {allowed} / 该报告支持的格式：{allowed}")
        if self.kind == ReportKind.dispatch_summary and self.dispatch_round_id is None:
            raise ValueError("dispatch_summary needs dispatch_round_id / 调度汇总须指定调度轮次")
        if self.kind == ReportKind.escalation_notice and self.escalation_id is None:
            raise ValueError("escalation_notice needs escalation_id / 督办通知须指定督办事项")
        if self.kind == ReportKind.petition_table and self.batch_id is None:
            raise ValueError("petition_table needs batch_id / 信访举报件一览表须指定批次")
        if self.batch_id is not None and self.kind not in PETITION_KINDS:
            raise ValueError("batch_id is for petition_notice and petition_table / 仅信访举报件报告可指定批次")
        if self.money_unit is not None and self.kind != ReportKind.petition_notice:
            raise ValueError("money_unit is for petition_notice / 仅信访举报件通报可指定金额单位")
        if self.kind in CLOSURE_KINDS and self.closure_id is None:
            raise ValueError(f"{self.kind} needs closure_id / 销号文书须指定销号申请")
        return self


class ReportRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "kind": "ledger",
                    "format": "xlsx",
                    "round_id": 1,
                    "as_of": "2024-12-15",
                    "org_id": 2,
                    "status": "done",
                    "error": None,
                    "attempts": 1,
                    "requested_at": "2024-12-15T02:00:00Z",
                    "started_at": "2024-12-15T02:00:01Z",
                    "finished_at": "2024-12-15T02:00:02Z",
                    "file_name": "锡林郭勒盟督察整改台账（截至2024-12-15）.xlsx",
                    "size_bytes": 18342,
                    "sha256": "9f2c…",
                    "requested_by": "admin",
                    "reused": True,
                }
            ]
        },
    )

    id: int
    kind: ReportKind
    format: ReportFormat
    round_id: int
    as_of: date | None
    org_id: int | None
    status: ReportState = Field(validation_alias="state")
    error: str | None
    attempts: int
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    file_name: str | None
    size_bytes: int | None
    sha256: str | None
    requested_by: str | None = Field(default=None, description="Who asked for it (user name)")
    reused: bool = Field(
        default=False,
        description="True: the same request on unchanged data had already made (or is making) this report",
    )
