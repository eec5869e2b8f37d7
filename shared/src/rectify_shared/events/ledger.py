"""Payloads of the ledger's events: orgs, rounds, problems, measures, progress, indicators,
dispatch rounds, evidence, the work calendar and reports."""

from typing import Any

from pydantic import ConfigDict, Field

from ..enums import IssueStatus, MeasureStatus, ReportFormat, ReportKind
from .base import BigId, Day, EitherId, EventData, From, Stamp, To


class OrgCreated(EventData):
    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str


class OrgUpdated(EventData):
    """`id`, and each changed field with its new value (a robot's secret as its fingerprint)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})
    id: int


class OrgMoved(EventData):
    id: int
    from_parent_id: int | None
    to_parent_id: int | None
    from_path: str
    to_path: str
    rows: dict[str, int] = Field(description="table -> rows whose path moved with the subtree")


class RoundCreated(EventData):
    id: int
    name: str


class RoundDocumentSettingsReplaced(EventData):
    id: int


class IssueRef(EventData):
    """A problem's identity and state: the head of every issue.* event."""

    id: int
    round_id: int
    seq: int
    status: IssueStatus
    deadline: Day | None
    lead_org_id: int


class IssueCreated(IssueRef):
    pass


class IssueUpdated(IssueRef):
    """A change by a person carries `changes` (field -> new value or {from, to}); a change by a
    ledger import carries `fields` (the names it set) instead."""

    changes: dict[str, Any] | None = None
    fields: list[str] | None = None


class IssueStatusChanged(IssueRef):
    from_: IssueStatus = From()
    to_: IssueStatus = To()
    reason: str | None


class IssueWithdrawn(IssueRef):
    reason: str


class DeadlineRecomputed(EventData):
    id: int
    deadline: Day
    deadline_provisional: bool
    from_: Day | None = From("the deadline before")
    reason: str


class IssueDeadlineRecomputed(DeadlineRecomputed):
    pass


class MeasureDeadlineRecomputed(DeadlineRecomputed):
    issue_id: int


class IssueAttested(EventData):
    id: int
    issue_id: int
    round_id: int
    cycle: str
    period: str
    progress_report_id: BigId
    attachment_ids: list[int]
    next_due: Day


class IssueRelapsed(EventData):
    relapse_id: int
    issue_id: int
    round_id: int
    from_: IssueStatus = From()
    to_: IssueStatus = To()
    reason: str
    source: str
    petition_case_id: int | None
    progress_report_id: BigId | None
    source_detail: str | None
    closure_id: int | None


class MeasureCreated(EventData):
    id: int
    issue_id: int
    seq: int | None = Field(description="null: an unnumbered measure")
    status: MeasureStatus


class MeasureUpdated(EventData):
    id: int
    issue_id: int
    changes: dict[str, Any] = Field(description="field -> new value, or {from, to} for the status")


class MeasureWithdrawn(EventData):
    id: int
    issue_id: int
    reason: str


class ProgressReported(EventData):
    id: BigId
    issue_id: int
    measure_id: int | None
    reporting_org_id: int
    reported_at: Stamp


class IndicatorCreated(EventData):
    id: int
    name: str
    kind: str
    org_id: int | None
    round_id: int | None


class IndicatorValueReported(EventData):
    indicator_id: int
    value_id: int
    period: str
    org_id: int
    replaced: bool


class DispatchOpened(EventData):
    id: int
    round_id: int
    frequency: str
    period: str | None
    cutoff: Stamp = Field(description="the moment reports are due (ISO 8601 with its offset)")
    owed: int = Field(description="units that owe this dispatch round a report")


class AttachmentUploaded(EventData):
    id: int
    sha256: str
    size: int
    file_type: str
    org_id: int


class AttachmentLinked(EventData):
    attachment_id: int
    target_kind: str
    target_id: EitherId
    issue_id: int | None


class CalendarYearReplaced(EventData):
    year: int
    holidays: int = Field(description="how many holidays the year has")
    makeup_workdays: int = Field(description="how many make-up workdays (调休上班) the year has")


class CalendarOverridesReplaced(EventData):
    org_id: int
    year: int
    days: int = Field(description="how many adjusted days the org now has in the year")


class ReportDone(EventData):
    report_id: int
    kind: ReportKind
    format: ReportFormat
    round_id: int
    file_name: str
    size_bytes: int
    sha256: str
