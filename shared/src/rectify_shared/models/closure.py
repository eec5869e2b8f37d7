"""验收 → 公示 → 销号: one closure per issue with its full history, objections, extensions.

A closure row is the task's current place in the workflow; `closure_step` keeps every act on
it (apply, review, each acceptance level, publicity, objections' decisions, rejection,
write-off), so the trail holds up when inspectors look for 纸面销号 (paper closures).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, String
from sqlmodel import Field, SQLModel

from ..data_keys import EncryptedString
from .types import JSONType, PathString, UTCDateTime, utcnow


class ClosurePolicyRecord(SQLModel, table=True):
    """A round's closure policy (`rectify_shared.closure_workflow.ClosurePolicy`), stored with the round;
    a round without one uses the global default."""

    __tablename__ = "closure_policy"

    round_id: int = Field(
        foreign_key="inspection_round.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    #: org kinds, in order (e.g. ["county", "league"])
    acceptance_levels: list[str] = Field(sa_column=Column(JSONType, nullable=False))
    step_working_days: int
    publicity_days: int
    publicity_day_kind: str = Field(sa_type=String(10))
    attestation_cycle: str = Field(sa_type=String(10))
    petition_closure: str = Field(sa_type=String(20))
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Closure(SQLModel, table=True):
    __tablename__ = "closure"
    __table_args__ = (
        Index("ix_closure_state", "state", "updated_at"),
        CheckConstraint("(issue_id IS NULL) <> (petition_case_id IS NULL)", name="ck_closure_one_target"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: the closure's target: an issue, or a petition case when the round's policy says `writeoff`
    issue_id: int | None = Field(default=None, foreign_key="issue.id", unique=True)
    petition_case_id: int | None = Field(default=None, foreign_key="petition_case.id", unique=True)
    round_id: int = Field(foreign_key="inspection_round.id")
    #: the issue's lead org path (a case's responsible org, else its locality): the row's scope
    org_path: str = Field(sa_type=PathString, index=True)
    applicant_org_id: int = Field(foreign_key="org.id")
    state: str = Field(sa_type=String(20))
    #: 完成情况: the unit's completion statement
    statement: str
    #: the acceptance levels this closure needs: [{"kind", "org_id", "org_name"}], from the round's policy
    levels: list[dict[str, Any]] = Field(sa_column=Column(JSONType, nullable=False))
    #: how many levels have accepted so far
    accepted_levels: int = 0
    #: the date the pending step is due (feeds the ladder: e.g. an acceptance left pending)
    step_due: date | None = None
    publicity_start: date | None = None
    publicity_end: date | None = None
    publicity_days: int | None = None
    publicity_day_kind: str | None = Field(default=None, sa_type=String(10))
    publicity_medium: str | None = Field(default=None, max_length=200)
    publicity_contact: str | None = Field(default=None, max_length=200)
    #: 法律依据 opening the notice ("根据《…整改工作实施办法》"); None: the default wording
    publicity_legal_basis: str | None = Field(default=None, max_length=300)
    #: the org issuing (signing) the notice; None: the round's office
    publicity_issuer_org_id: int | None = Field(default=None, foreign_key="org.id")
    #: labelled contact lines: [{"label": "联系电话", "value": "0479-8888888"}, …]
    publicity_contacts: list[dict[str, str]] | None = Field(default=None, sa_column=Column(JSONType))
    publicity_attachment_title: str | None = Field(default=None, max_length=100)
    #: 特此公示 and the like; None: no closing phrase
    publicity_closing: str | None = Field(default=None, max_length=50)
    #: how the period's length is shown: working / calendar / none; None: as `publicity_day_kind`
    publicity_days_shown: str | None = Field(default=None, sa_type=String(10))
    publicity_provisional: bool = False
    #: the reason of the last rejection or upheld objection
    last_reason: str | None = None
    applied_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    applied_by: str = Field(max_length=100)
    written_off_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    written_off_by: str | None = Field(default=None, max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClosureStep(SQLModel, table=True):
    """Every act on a closure, in order: who, which org, at which level, with what opinion."""

    __tablename__ = "closure_step"
    __table_args__ = (Index("ix_closure_step_closure", "closure_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    closure_id: int = Field(foreign_key="closure.id")
    action: str = Field(max_length=30)
    from_state: str | None = Field(default=None, sa_type=String(20))
    to_state: str = Field(sa_type=String(20))
    #: for acceptance: 1-based level and the accepting org
    level: int | None = None
    org_id: int | None = Field(default=None, foreign_key="org.id")
    actor: str = Field(max_length=100)
    #: the org the acting user belongs to (differs from `org_id` when an office acts for a unit)
    actor_org_id: int | None = Field(default=None, foreign_key="org.id")
    comment: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: the day the step happened when the office records history from before Rectify (`at` stays
    #: the server's time); as-of reads use `rectify_shared.history.step_day`
    occurred_on: date | None = None


class ClosureObjection(SQLModel, table=True):
    """异议: filed during the notice with a real name and a contact; the office decides."""

    __tablename__ = "closure_objection"
    __table_args__ = (Index("ix_closure_objection_closure", "closure_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    closure_id: int = Field(foreign_key="closure.id")
    name: str = Field(sa_type=EncryptedString)  # personal data, encrypted at rest (#21)
    contact: str = Field(sa_type=EncryptedString)
    content: str
    #: "public" (the notice page) or "office" (recorded by the office from a letter or a call)
    source: str = Field(max_length=20)
    client_addr: str | None = Field(default=None, max_length=64)
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: None while pending; "upheld" | "dismissed"
    decision: str | None = Field(default=None, sa_type=String(20))
    decision_reason: str | None = None
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ExtensionRequest(SQLModel, table=True):
    """延期申请: asked before the deadline; an approved date becomes the deadline."""

    __tablename__ = "extension_request"
    __table_args__ = (Index("ix_extension_request_issue", "issue_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id")
    org_path: str = Field(sa_type=PathString, index=True)
    reason: str
    proposed_deadline: date
    #: the deadline when the request was made
    current_deadline: date
    state: str = Field(sa_type=String(20))  # pending | approved | rejected
    requested_by: str = Field(max_length=100)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_comment: str | None = None
