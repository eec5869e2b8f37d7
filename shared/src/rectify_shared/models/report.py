from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, LargeBinary, String
from sqlmodel import Field, SQLModel

from ..enums import ReportFormat, ReportKind, ReportState
from .types import JSONType, PathString, UTCDateTime, utcnow


class ReportJob(SQLModel, table=True):
    """A requested report: created by issues-api, completed by report-worker."""

    __tablename__ = "report_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: ReportKind = Field(sa_type=String(40))
    format: ReportFormat = Field(sa_type=String(10))
    round_id: int = Field(foreign_key="inspection_round.id", index=True)
    as_of: date | None = None
    org_id: int | None = Field(default=None, foreign_key="org.id")
    org_path: str = Field(sa_type=PathString, index=True)
    params: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    state: ReportState = Field(default=ReportState.queued, sa_type=String(20), index=True)
    error: str | None = None
    attempts: int = 0
    requested_by: str = Field(max_length=100)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    file_name: str | None = Field(default=None, max_length=300)
    size_bytes: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    #: what the report is of: a hash of kind, format, round, day, org, scope and parameters
    request_key: str | None = Field(default=None, max_length=64, index=True)
    #: the data it was requested on (see issues_api.reports.reuse.data_version)
    data_version: str | None = Field(default=None, max_length=40)


class ReportFile(SQLModel, table=True):
    """The finished file, kept in the database so every replica can serve it."""

    __tablename__ = "report_file"

    report_id: int = Field(foreign_key="report_job.id", primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class EventReceipt(SQLModel, table=True):
    """Owned by the notifier: each outbox event it consumed, once (the event id is the key)."""

    __tablename__ = "event_receipt"

    event_id: str = Field(primary_key=True, max_length=40)
    event_type: str = Field(max_length=60, index=True)
    aggregate_type: str = Field(max_length=40)
    aggregate_id: int = Field(sa_type=BigInteger)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deliveries: int = 1
