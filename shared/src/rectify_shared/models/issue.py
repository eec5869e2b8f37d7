"""The ledger: issues (反馈问题/整改任务), their orgs, measures, and the history of both."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..enums import DeadlineChangeKind, IssueStatus, MeasureStatus
from .types import JSONType, PathString, UTCDateTime, utcnow


class Withdrawable(SQLModel):
    """Mistaken entries are withdrawn with a reason, never destroyed."""

    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: str | None = Field(default=None, max_length=100)
    withdrawn_reason: str | None = None


class Issue(Withdrawable, table=True):
    __tablename__ = "issue"
    __table_args__ = (
        UniqueConstraint("round_id", "seq", name="uq_issue_round_seq"),
        Index("ix_issue_round_status", "round_id", "status"),
        Index("ix_issue_deadline", "deadline"),
        Index("ix_issue_updated_at", "updated_at"),
        # the ledger's count (`with_total`) of live problems reads this, not the wide rows
        Index(
            "ix_issue_live",
            "id",
            postgresql_where=text("withdrawn_at IS NULL"),
            sqlite_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id")
    seq: int
    #: the task's number as the office writes it ("序号十", "十", "3-1"); None: `seq`
    display_no: str | None = Field(default=None, max_length=20)
    category: str = Field(max_length=200)
    description: str
    goal: str | None = None
    lead_org_id: int = Field(foreign_key="org.id", index=True)
    #: the lead org's materialised path: the row's scope
    org_path: str = Field(sa_type=PathString, index=True)
    responsible_leader: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    deadline: date | None = None
    #: the first deadline ever set; kept when the deadline changes
    original_deadline: date | None = None
    #: how the deadline was set: {"kind": "date"} or {"kind": "working_days_after", "event", "event_date", "days"}
    deadline_rule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    #: computed on a year without official calendar data (weekends only); recomputed when it comes
    deadline_provisional: bool = False
    #: the 整改时限 as the office's file wrote it ("2025年12月底前", "长期坚持", "印发后30个工作日内"), and
    #: how precise it is: day | month | quarter | half | year | working_days | immediate | long_term
    #: (a month-only date is the month's last day). A deadline set as a date has precision day, no wording.
    deadline_text: str | None = Field(default=None, max_length=200)
    deadline_precision: str | None = Field(default=None, sa_type=String(20))
    long_term: bool = False
    #: 长期坚持: how often the task is re-attested ("monthly" | "quarterly" | "yearly")
    attestation_cycle: str | None = Field(default=None, sa_type=String(20))
    status: IssueStatus = Field(default=IssueStatus.not_started, sa_type=String(30))
    #: for in-progress work: 达到序时进度 (True) or 滞后 (False); None when not judged
    on_schedule: bool | None = None
    #: names of fields filled in for the demo rather than taken from a source document
    illustrative: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    #: when the problem was found or assigned, if before it was entered (office only; as-of reads use it)
    occurred_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IssueOrg(SQLModel, table=True):
    """Lead (牵头) and responsible (责任) orgs of an issue, with their paths for subtree filters."""

    __tablename__ = "issue_org"
    __table_args__ = (Index("ix_issue_org_subtree", "org_path", "issue_id"),)

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    org_id: int = Field(foreign_key="org.id", primary_key=True)
    #: "lead" | "responsible" | "measure" (the responsible org of one of its live measures: it may
    #: read the issue and report on it, though it is neither lead nor responsible for the whole)
    role: str = Field(primary_key=True, max_length=20)
    org_path: str = Field(sa_type=PathString)


class Measure(Withdrawable, table=True):
    """整改措施: numbered （一）（二）… under an issue; `seq` is None for an unnumbered paragraph."""

    __tablename__ = "measure"
    __table_args__ = (
        UniqueConstraint("issue_id", "position", name="uq_measure_issue_position"),
        Index("ix_measure_deadline_status", "deadline", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    seq: int | None = None
    #: order within the issue, numbered or not
    position: int
    text: str
    responsible_org_id: int | None = Field(default=None, foreign_key="org.id", index=True)
    org_path: str = Field(sa_type=PathString, index=True)
    deadline: date | None = None
    original_deadline: date | None = None
    deadline_rule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    deadline_provisional: bool = False
    #: as on the issue: the wording as written and its precision
    deadline_text: str | None = Field(default=None, max_length=200)
    deadline_precision: str | None = Field(default=None, sa_type=String(20))
    status: MeasureStatus = Field(default=MeasureStatus.not_started, sa_type=String(30))
    #: why the office waived the measure (status `waived`); None otherwise
    waived_reason: str | None = None
    illustrative: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    #: when the measure was set, if before it was entered (office only)
    occurred_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


#: the day a measure is due: its own deadline, else its problem's (`coalesce(measure.deadline,
#: issue.deadline)`), stored so 'overdue as of D' is a range of `ix_measure_open_due` (issue 22).
#: Kept by the database in the transaction of every write (triggers of migration
#: 20261212_41_measure_due: a measure written, its problem's deadline moved), so the ORM, the fast
#: path's Core writes and bulk loads (COPY) are all seen. Not mapped on `Measure`: an entity never
#: holds a copy the triggers made stale; statements read it as `MEASURE_DUE`.
MEASURE_DUE = Column("due", Date, nullable=True)
Measure.__table__.append_column(MEASURE_DUE)  # type: ignore[attr-defined]
#: the open, live measures by due day: the measure list's `overdue=true` page is its first rows
#: (the statuses as literals, the form `measure_list.overdue_clause` writes, so both databases
#: see that a query's WHERE implies the index's)
Index(
    "ix_measure_open_due",
    MEASURE_DUE,
    Measure.__table__.c.id,  # type: ignore[attr-defined]
    postgresql_where=text("withdrawn_at IS NULL AND status != 'completed' AND status != 'waived'"),
    sqlite_where=text("withdrawn_at IS NULL AND status != 'completed' AND status != 'waived'"),
)


class IssueStatusChange(SQLModel, table=True):
    """Every status change is a row, so any past date's ledger can be recomputed."""

    __tablename__ = "issue_status_change"
    __table_args__ = (Index("ix_issue_status_change_issue_at", "issue_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id")
    from_status: IssueStatus | None = Field(default=None, sa_type=String(30))
    to_status: IssueStatus = Field(sa_type=String(30))
    changed_by: str = Field(max_length=100)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str | None = None
    #: the day the change happened, when the office records history from before Rectify
    #: (`changed_at` stays the server's time); as-of reads use it when set
    occurred_on: date | None = None


class MeasureStatusChange(SQLModel, table=True):
    """Every status change of a measure (a unit's, the office's, or a first report's), so a past
    day's ledger shows its measures as they stood."""

    __tablename__ = "measure_status_change"
    __table_args__ = (Index("ix_measure_status_change_measure_at", "measure_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    from_status: MeasureStatus | None = Field(default=None, sa_type=String(30))
    to_status: MeasureStatus = Field(sa_type=String(30))
    changed_by: str = Field(max_length=100)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str | None = None
    #: the day it happened (the office may record an earlier one); as-of reads use it
    occurred_on: date | None = None


class DeadlineChange(SQLModel, table=True):
    """A deadline that moved, for an issue or a measure. The original stays on the row too."""

    __tablename__ = "deadline_change"
    __table_args__ = (Index("ix_deadline_change_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=20)  # "issue" | "measure"
    entity_id: int
    old_deadline: date | None = None
    new_deadline: date | None = None
    kind: DeadlineChangeKind = Field(sa_type=String(30))
    reason: str | None = None
    changed_by: str = Field(max_length=100)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
