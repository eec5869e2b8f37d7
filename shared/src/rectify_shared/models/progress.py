from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field

from .issue import Withdrawable
from .types import PathString, UTCDateTime, utcnow


class ProgressReport(Withdrawable, table=True):
    """整改进展: a unit's report on a measure or an issue. Append-only, grows with time.

    `created_at` is part of the primary key so PostgreSQL can partition the table by month.
    """

    __tablename__ = "progress_report"
    __table_args__ = (
        Index("ix_progress_issue_reported", "issue_id", "reported_at"),
        Index("ix_progress_measure_reported", "measure_id", "reported_at"),
    )

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id")
    measure_id: int | None = Field(default=None, foreign_key="measure.id")
    text: str
    reporting_org_id: int = Field(foreign_key="org.id")
    org_path: str = Field(sa_type=PathString, index=True)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reported_by: str = Field(max_length=100)
    #: the day the reported work happened: the server's day for a unit's own report; the office may
    #: record an earlier one (history from before Rectify). As-of reads use it.
    occurred_on: date | None = None
