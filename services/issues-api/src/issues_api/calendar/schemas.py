from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.plain_text import NameText
from rectify_shared.workcalendar import DayKind

# the dates the API computes with: the calendar answers any date, the bounds keep input sane
from ..core.dates import FIRST_DAY, LAST_DAY, Day  # noqa: F401 (the bounds: re-exported to the router)

#: the years the office may load
FIRST_YEAR, LAST_YEAR = 2000, 2100


class WorkdaysRead(BaseModel):
    start: date
    end: date = Field(description="The count-th working day from start, start included when it is a working day")
    count: int
    provisional: bool = Field(description="True when a year on the way has no official data (weekends only)")


class DayRead(BaseModel):
    date: date
    kind: DayKind
    name: str | None = Field(examples=["国庆节"])
    provisional: bool


class DayList(BaseModel):
    items: list[DayRead]


class NamedDate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    name: str = Field(min_length=1, max_length=60, examples=["元旦"])


class YearPut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "holidays": [
                        {"date": "2026-01-01", "name": "元旦"},
                        {"date": "2026-01-02", "name": "元旦"},
                        {"date": "2026-01-03", "name": "元旦"},
                    ],
                    "makeup_workdays": [{"date": "2026-01-04", "name": "元旦"}],
                }
            ]
        },
    )

    holidays: list[NamedDate] = Field(min_length=1, max_length=366, description="Every day of every break")
    makeup_workdays: list[NamedDate] = Field(
        default_factory=list, max_length=366, description="调休: weekend days that are working days"
    )


class YearRead(BaseModel):
    year: int
    source: str = Field(description='"office" (loaded here), "package" (chinese-calendar) or "none"')
    updated_by: str | None = None
    updated_at: datetime | None = None
    holidays: list[NamedDate]
    makeup_workdays: list[NamedDate]
    workdays: int = Field(description="Working days in the year")
    recomputed: int = Field(
        default=0, description="Provisional deadlines whose date or provisional flag changed with this load"
    )


class DateRule(BaseModel):
    """A plain date: the deadline given as is."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["date"]


class WorkingDaysAfterRule(BaseModel):
    """N working days after an event, e.g. 整改方案印发后30个工作日内."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["working_days_after"]
    event: str = Field(min_length=1, max_length=100, examples=["整改方案印发"])
    event_date: Day
    days: int = Field(ge=1, le=250)


DeadlineRule = Annotated[DateRule | WorkingDaysAfterRule, Field(discriminator="kind")]


class OverrideKind(StrEnum):
    holiday = "holiday"  # a rest day in the org's subtree (a local holiday such as 那达慕)
    makeup_workday = "makeup_workday"  # a working day there (a weekend or holiday it works)


class OverrideDay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    kind: OverrideKind
    name: NameText = Field(min_length=1, max_length=60, examples=["那达慕大会"])


class OverridesPut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "days": [
                        {"date": "2026-07-13", "kind": "holiday", "name": "那达慕大会"},
                        {"date": "2026-07-18", "kind": "makeup_workday", "name": "那达慕大会调休"},
                    ]
                }
            ]
        },
    )

    days: list[OverrideDay] = Field(
        max_length=366, description="The org's own days in the year; an empty list removes them all"
    )


class OverridesRead(BaseModel):
    org_id: int
    year: int | None = Field(description="The year asked for; null: every year")
    days: list[OverrideDay]
    updated_by: str | None = None
    updated_at: datetime | None = None
    recomputed: int = Field(
        default=0, description="Working-day deadlines in the org's subtree whose date changed with this load"
    )
