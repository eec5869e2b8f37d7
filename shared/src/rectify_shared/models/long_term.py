"""长期坚持: re-attestations of long-term tasks and relapses (反弹) that reopened finished tasks."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from .types import PathString, UTCDateTime, utcnow


class IssueAttestation(SQLModel, table=True):
    """A unit's periodic statement that a long-term task still holds; it is also a progress report."""

    __tablename__ = "issue_attestation"
    __table_args__ = (Index("ix_issue_attestation_issue", "issue_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id")
    #: the issue's lead org path: the row's scope
    org_path: str = Field(sa_type=PathString)
    #: the progress report carrying the statement (and the evidence links)
    progress_report_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    attesting_org_id: int = Field(foreign_key="org.id")
    statement: str
    cycle: str = Field(sa_type=String(20))
    #: the period attested: "2024-11" | "2024-Q3" | "2024"
    period: str = Field(max_length=10)
    attested_by: str = Field(max_length=100)
    attested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IssueRelapse(SQLModel, table=True):
    """反弹: finished work found undone again; the issue went back to in_progress."""

    __tablename__ = "issue_relapse"
    __table_args__ = (Index("ix_issue_relapse_issue", "issue_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id")
    org_path: str = Field(sa_type=PathString)
    reason: str
    #: "progress_report" | "petition_case" | "inspection" | "other"
    source: str = Field(sa_type=String(20))
    progress_report_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    petition_case_id: int | None = Field(default=None, foreign_key="petition_case.id")
    #: free text naming the source (an inspection visit, a news report…)
    source_detail: str | None = Field(default=None, max_length=500)
    from_status: str = Field(sa_type=String(30))
    closure_id: int | None = Field(default=None, foreign_key="closure.id")
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
