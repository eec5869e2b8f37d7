"""The office's work calendar: official holidays and make-up workdays (调休), per year.

A year with a `calendar_year` row is defined entirely by its `calendar_day` rows (the office's
data replaces the package's for that year); other years come from the chinese-calendar package
where it has data, else fall back to weekends only and are marked provisional.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, String
from sqlmodel import Field, SQLModel

from .types import PathString, UTCDateTime, utcnow


class CalendarYear(SQLModel, table=True):
    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: str = Field(sa_type=String(20))  # "office" (PUT by the office) | "package"
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    year: int = Field(index=True)
    kind: str = Field(sa_type=String(20))  # "holiday" | "makeup_workday"
    name: str = Field(max_length=60)


class CalendarOverride(SQLModel, table=True):
    """An org's own arrangement of a day, for its subtree (issue 19, finding #9): a league's
    local holiday, or a day it works. The nearest ancestor's override of a day wins over the
    root's calendar (`calendar_year` / `calendar_day`, which apply everywhere)."""

    __tablename__ = "calendar_override"

    org_path: str = Field(sa_type=PathString, primary_key=True)
    day: date = Field(primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    year: int
    kind: str = Field(sa_type=String(20))  # "holiday" | "makeup_workday"
    name: str = Field(max_length=60)
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarVersion(SQLModel, table=True):
    """One row whose `token` changes (a new random value) with every write to `calendar_year`,
    `calendar_day` or `calendar_override`, in the writing transaction (database triggers, so no
    writer can forget it): a process keeps the calendar it read and rereads it only when the
    token it reads first differs (`rectify_shared.calendar_store`)."""

    __tablename__ = "calendar_version"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    token: int = Field(sa_type=BigInteger)
