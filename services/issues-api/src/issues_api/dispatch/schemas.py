from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core.dates import Day

Frequency = Literal["weekly", "monthly"]


class DispatchRoundCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"round_id": 1, "frequency": "weekly", "period": "2024-W50", "cutoff": "2024-12-13T17:00:00+08:00"},
                {"round_id": 1, "frequency": "monthly", "period": "2024-12", "cutoff": "2024-12-25"},
            ]
        },
    )

    round_id: int
    frequency: Frequency
    period: str = Field(description="ISO week `YYYY-Www` for weekly rounds, `YYYY-MM` for monthly ones")
    cutoff: Day | datetime = Field(
        description="When reports are due; a bare date means the end of that day (China time)"
    )

    @model_validator(mode="after")
    def _period_matches(self) -> "DispatchRoundCreate":
        import re

        pattern = r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$" if self.frequency == "weekly" else r"^\d{4}-(0[1-9]|1[0-2])$"
        if not re.match(pattern, self.period):
            raise ValueError(f"period {self.period!r} does not fit a {self.frequency} round / 调度周期格式不符")
        if isinstance(self.cutoff, datetime) and self.cutoff.tzinfo is None:
            raise ValueError("cutoff needs a time zone / 截止时间须带时区")
        return self


class Obligation(BaseModel):
    org_id: int
    org_name: str
    reported: bool
    reported_at: datetime | None
    late: bool = Field(description="Reported after the cutoff")
    progress_report_id: str | None


class DispatchRoundRead(BaseModel):
    id: int
    round_id: int
    frequency: Frequency
    period: str
    opens_at: datetime
    cutoff: datetime
    org_id: int
    created_by: str
    owed: int = Field(description="Units owing a report")
    reported: int
    missing: int


class DispatchRoundDetail(DispatchRoundRead):
    obligations: list[Obligation] = Field(description="Who reported and who did not, missing first")
