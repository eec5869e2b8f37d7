from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.enums import ReportFormat, ReportKind, ReportState


class ReportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "ledger", "round_id": 1, "format": "xlsx"},
                {"kind": "ledger", "round_id": 1, "format": "md", "as_of": "2024-12-15"},
            ]
        },
    )

    kind: ReportKind
    round_id: int
    format: ReportFormat
    as_of: date | None = Field(default=None, description="Default: today (China time)")
    org_id: int | None = Field(
        default=None, description="Only problems where this org's subtree is lead or responsible"
    )


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
