"""Dispatch rounds (调度): a reporting obligation for every responsible unit with open work."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import PathString, UTCDateTime, utcnow


class DispatchRound(SQLModel, table=True):
    __tablename__ = "dispatch_round"
    __table_args__ = (UniqueConstraint("round_id", "frequency", "period", name="uq_dispatch_round_period"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id", index=True)
    frequency: str = Field(sa_type=String(10))  # "weekly" | "monthly"
    period: str = Field(sa_type=String(20))  # "2024-W50" | "2024-12"
    opens_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cutoff: datetime = Field(sa_type=UTCDateTime, index=True)
    org_id: int = Field(foreign_key="org.id")
    org_path: str = Field(sa_type=PathString, index=True)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DispatchObligation(SQLModel, table=True):
    """One unit owing one dispatch round a progress report; fulfilled by its first report."""

    __tablename__ = "dispatch_obligation"
    __table_args__ = (Index("ix_dispatch_obligation_org_open", "org_id", "reported_at"),)

    dispatch_round_id: int = Field(foreign_key="dispatch_round.id", primary_key=True)
    org_id: int = Field(foreign_key="org.id", primary_key=True)
    org_path: str = Field(sa_type=PathString, index=True)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress_report_id: int | None = Field(default=None, sa_type=BigInteger)
