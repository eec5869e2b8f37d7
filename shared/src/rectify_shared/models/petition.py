"""Petition cases (信访举报件): batches transferred by the inspection team and their handling.

A case is scoped by two org paths — its locality (the 旗县) and its responsible org — and every
state change is a row, so statistics as of a past day are recomputed, not remembered.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..enums import PetitionDayKind, PetitionState
from .types import JSONType, PathString, UTCDateTime, utcnow


class PetitionPolicy(SQLModel, table=True):
    """A round's default time limit for reporting a case back (e.g. 10 days for the central team)."""

    __tablename__ = "petition_policy"

    round_id: int = Field(
        foreign_key="inspection_round.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    due_days: int
    day_kind: PetitionDayKind = Field(sa_type=String(20))
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PetitionBatch(SQLModel, table=True):
    """第N批: the cases the team transferred on one day, with the batch's own time limit if any."""

    __tablename__ = "petition_batch"
    __table_args__ = (UniqueConstraint("round_id", "batch_no", name="uq_petition_batch_round_no"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id", index=True)
    batch_no: int
    transferred_at: date
    #: the batch's time limit; None: the round's policy
    due_days: int | None = None
    day_kind: PetitionDayKind | None = Field(default=None, sa_type=String(20))
    #: the round's office path: who may write the batch
    org_path: str = Field(sa_type=PathString)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PetitionCase(SQLModel, table=True):
    __tablename__ = "petition_case"
    __table_args__ = (
        UniqueConstraint("round_id", "intake_no", name="uq_petition_case_round_intake"),
        Index("ix_petition_case_locality_path", "locality_path"),
        Index("ix_petition_case_responsible_path", "responsible_path"),
        Index("ix_petition_case_round_state", "round_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id")
    batch_id: int = Field(foreign_key="petition_batch.id", index=True)
    intake_no: str = Field(max_length=50)
    channel: str | None = Field(default=None, sa_type=String(20))
    content: str
    locality_org_id: int = Field(foreign_key="org.id")
    locality_path: str = Field(sa_type=PathString)
    reported_party: str | None = Field(default=None, max_length=500)
    address: str | None = Field(default=None, max_length=500)
    pollution_types: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    key_attention: bool = False
    responsible_org_id: int | None = Field(default=None, foreign_key="org.id")
    responsible_path: str | None = Field(default=None, sa_type=PathString)
    due_date: date | None = None
    findings: str | None = None
    verdict: str | None = Field(default=None, sa_type=String(30))
    handling: str | None = None
    #: 责任追究情况: counts, fine_yuan and free text `notes`
    accountability: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    state: PetitionState = Field(default=PetitionState.in_progress, sa_type=String(30))
    certified_by: str | None = Field(default=None, max_length=200)
    certified_at: date | None = None
    published_at: date | None = None
    follow_up: str | None = None
    repeat_of_id: int | None = Field(default=None, foreign_key="petition_case.id")
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    #: names of fields filled in for the demo rather than taken from a source document
    illustrative: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PollutionTypeEntry(SQLModel, table=True):
    """污染类型: the deployment's list of pollution types, data rather than an enum.

    Seeded with the former enum's eight codes and the types cities report (扬尘, 油烟, …); an office
    admin adds more through the API. Cases store the codes; `name` is what documents print, and
    `aliases` are further spellings a spreadsheet may use (大气污染, 噪音, …).
    """

    __tablename__ = "pollution_type"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=40, unique=True)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    position: int = 0
    created_by: str = Field(default="system", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PetitionStateChange(SQLModel, table=True):
    """Every state change of a case (the first row is its registration)."""

    __tablename__ = "petition_state_change"
    __table_args__ = (Index("ix_petition_state_change_case_at", "case_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="petition_case.id")
    from_state: PetitionState | None = Field(default=None, sa_type=String(30))
    to_state: PetitionState = Field(sa_type=String(30))
    changed_by: str = Field(max_length=100)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str | None = None
