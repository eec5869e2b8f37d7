"""The escalation ladder's records: 预警 → 通报 → 督办 → 约谈, each an official act.

The notifier creates and resolves escalations (it owns time: the scans); people act on them
through issues-api (issue, withdraw, respond). `dedupe_key` makes every scan idempotent: a cause
fires once per period, however many scans or replicas run.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, String, text
from sqlmodel import Field, SQLModel

from .types import JSONType, PathString, UTCDateTime, utcnow


class EscalationPolicy(SQLModel, table=True):
    __tablename__ = "escalation_policy"

    round_id: int = Field(
        foreign_key="inspection_round.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    policy: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Escalation(SQLModel, table=True):
    """One escalation letter. States: `rectify_shared.escalation_states`. Owner: the notifier's
    scan, which alone INSERTs the ladder's letters.

    Allowed foreign writers (through `rectify_shared.escalation_state` only, the one module that
    changes a row): issues-api for the people's acts (issue, respond, withdraw) and a letter
    written by hand (`hand_letter`, INSERTed already issued).
    """

    __tablename__ = "escalation"
    __table_args__ = (
        Index("ix_escalation_dedupe", "dedupe_key", unique=True),
        Index("ix_escalation_issue_level", "issue_id", "level", "created_at"),
        Index("ix_escalation_state", "state"),
        # a unit's letters awaiting its answer (`GET /me/todo`): not every issued letter's row
        Index("ix_escalation_addressed_state", "addressed_org_id", "state"),
        # the office's letters to issue (`GET /me/todo`): the first page in its order, and the
        # count read from the index alone, not every proposed letter's row
        Index(
            "ix_escalation_proposed_due",
            "response_due",
            "id",
            postgresql_where=text("state = 'proposed'"),
            sqlite_where=text("state = 'proposed'"),
        ),
        Index(
            "ix_escalation_proposed_path",
            "org_path",
            postgresql_where=text("state = 'proposed'"),
            sqlite_where=text("state = 'proposed'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id", index=True)
    level: str = Field(sa_type=String(20))  # warning | notice | supervision | summons
    rule: str = Field(max_length=40)  # the policy rule that fired, e.g. "r2"
    dedupe_key: str = Field(max_length=200)
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    measure_id: int | None = Field(default=None, foreign_key="measure.id")
    dispatch_round_id: int | None = Field(default=None, foreign_key="dispatch_round.id")
    #: a petition case (信访举报件) past its due date
    petition_case_id: int | None = Field(default=None, foreign_key="petition_case.id", index=True)
    #: a closure step (review, an acceptance level) left pending past its due date; `issue_id` is its task
    closure_id: int | None = Field(default=None, foreign_key="closure.id", index=True)
    addressed_org_id: int = Field(foreign_key="org.id")
    addressed_person: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    org_path: str = Field(sa_type=PathString, index=True)
    reason: str
    trigger: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    state: str = Field(sa_type=String(20))  # proposed | issued | responded | resolved | withdrawn
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: the scan date that produced it (China date), for "N within M working days" counting
    as_of: date
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    issued_by: str | None = Field(default=None, max_length=100)
    #: China date it was issued: the rung above counts its working days from here
    issued_on: date | None = None
    #: the round's 督察整改办 that issues (signs) the letter
    issuer_org_id: int | None = Field(default=None, foreign_key="org.id")
    #: the scan request that created it (withdrawn together by `POST /escalations/scans/{id}/withdraw`)
    scan_id: int | None = Field(default=None, index=True)
    response_due: date | None = None
    response: str | None = None
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    responded_by: str | None = Field(default=None, max_length=100)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str | None = Field(default=None, max_length=200)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str | None = None
    doc_no: str | None = Field(default=None, max_length=100)  # 文号
    reference: str | None = None
    #: the letter's own content: {"summons": {time, place, interviewers, interviewees, agenda},
    #: "requirements": [...]} (issues-api `escalations.letter` validates it)
    letter: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))


class ScanRequest(SQLModel, table=True):
    """A deadline/dispatch scan asked for through the API; run by the notifier.

    Writers: issues-api INSERTs it and sets the withdraw request (`withdraw_state` = requested,
    who, when, why); the notifier runs it (`state`, counts, `withdraw_state` = done).
    """

    __tablename__ = "scan_request"

    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    state: str = Field(default="queued", sa_type=String(20))  # queued | running | done | failed
    requested_by: str = Field(max_length=100)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: claims so far; fences the outcome's write (rectify_shared.job_rows)
    attempts: int = 0
    created: int | None = None
    resolved: int | None = None
    error: str | None = None
    #: a rehearsal: the scan runs and is rolled back; `report` says what it would have done
    dry_run: bool = False
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    #: withdrawing everything the scan created: requested | done (the notifier does it)
    withdraw_state: str | None = Field(default=None, sa_type=String(20))
    withdrawn_by: str | None = Field(default=None, max_length=100)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str | None = None
    withdrawn_count: int | None = None
