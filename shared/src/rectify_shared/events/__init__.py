"""The event catalogue: one `EventType` per event the change feed and webhooks carry, each with
its meaning and its payload model (`data`), and the internal events that only route work.

Every published event shares one envelope: {"id", "type", "timestamp", "data"}; `data` is the
type's payload model as `EventData.dump()` writes it. Emitters name a type and hand a model
(`record_event`); a test holds the emitted set equal to this catalogue
(`tests/test_event_catalogue.py`).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import internal as i
from . import ledger as g
from . import workflow as w
from .base import EventData
from .record import record_event


class EventType(StrEnum):
    org_created = "org.created"
    org_updated = "org.updated"
    org_moved = "org.moved"
    round_created = "round.created"
    round_document_settings_replaced = "round.document_settings_replaced"
    issue_created = "issue.created"
    issue_updated = "issue.updated"
    issue_status_changed = "issue.status_changed"
    issue_withdrawn = "issue.withdrawn"
    issue_deadline_recomputed = "issue.deadline_recomputed"
    measure_created = "measure.created"
    measure_updated = "measure.updated"
    measure_withdrawn = "measure.withdrawn"
    measure_deadline_recomputed = "measure.deadline_recomputed"
    progress_reported = "progress.reported"
    indicator_created = "indicator.created"
    indicator_value_reported = "indicator.value_reported"
    dispatch_opened = "dispatch.opened"
    escalation_created = "escalation.created"
    escalation_issued = "escalation.issued"
    escalation_responded = "escalation.responded"
    escalation_resolved = "escalation.resolved"
    escalation_withdrawn = "escalation.withdrawn"
    report_done = "report.done"
    attachment_uploaded = "attachment.uploaded"
    attachment_linked = "attachment.linked"
    closure_applied = "closure.applied"
    closure_reviewed = "closure.reviewed"
    closure_accepted = "closure.accepted"
    closure_rejected = "closure.rejected"
    closure_publicity_started = "closure.publicity_started"
    closure_objection_filed = "closure.objection_filed"
    closure_objection_decided = "closure.objection_decided"
    closure_written_off = "closure.written_off"
    closure_policy_replaced = "closure_policy.replaced"
    closure_reopened = "closure.reopened"
    issue_attested = "issue.attested"
    issue_relapsed = "issue.relapsed"
    extension_requested = "extension.requested"
    extension_approved = "extension.approved"
    extension_rejected = "extension.rejected"
    petition_batch_created = "petition_batch.created"
    petition_case_created = "petition_case.created"
    petition_case_updated = "petition_case.updated"
    petition_case_closed = "petition_case.closed"
    calendar_year_replaced = "calendar.year_replaced"
    calendar_overrides_replaced = "calendar.overrides_replaced"


class InternalEventType(StrEnum):
    """Outbox rows that are not published (`in_feed` false): the relay routes them to a worker,
    or readers of the outbox use them to invalidate what they cached."""

    scan_requested = "escalation.scan_requested"
    scan_withdraw_requested = "escalation.scan_withdraw_requested"
    escalation_policy_replaced = "escalation_policy.replaced"
    document_template_uploaded = "document_template.uploaded"
    round_narrative_replaced = "round_narrative.replaced"
    report_requested = "report.requested"


@dataclass(frozen=True)
class Spec:
    description: str
    payload: type[Any]


T = EventType
#: the published catalogue: type -> meaning and payload model
CATALOGUE: dict[EventType, Spec] = {
    T.org_created: Spec("an org was added to the tree", g.OrgCreated),
    T.org_updated: Spec("an org's name, contacts, order or code changed (data: the changed fields)", g.OrgUpdated),
    T.org_moved: Spec("an org and its subtree moved under another parent (data: from/to parent and path)", g.OrgMoved),
    T.round_created: Spec("an inspection round was created", g.RoundCreated),
    T.round_document_settings_replaced: Spec(
        "a round's document settings (status words, numbering styles) were replaced", g.RoundDocumentSettingsReplaced
    ),
    T.issue_created: Spec("a problem entered the ledger", g.IssueCreated),
    T.issue_updated: Spec("a problem's fields changed (deadline, orgs, texts…)", g.IssueUpdated),
    T.issue_status_changed: Spec("a problem's status changed (data: from, to, reason)", g.IssueStatusChanged),
    T.issue_withdrawn: Spec("a mistaken problem was withdrawn", g.IssueWithdrawn),
    T.issue_deadline_recomputed: Spec(
        "a provisional deadline was recomputed on official calendar data", g.IssueDeadlineRecomputed
    ),
    T.measure_created: Spec("a measure was added", g.MeasureCreated),
    T.measure_updated: Spec("a measure changed", g.MeasureUpdated),
    T.measure_withdrawn: Spec("a mistaken measure was withdrawn", g.MeasureWithdrawn),
    T.measure_deadline_recomputed: Spec(
        "a provisional deadline was recomputed on official calendar data", g.MeasureDeadlineRecomputed
    ),
    T.progress_reported: Spec("a unit reported progress", g.ProgressReported),
    T.indicator_created: Spec("an indicator (指标) with its target was defined", g.IndicatorCreated),
    T.indicator_value_reported: Spec(
        "a figure was reported for an indicator and period (data: period, org_id, replaced)", g.IndicatorValueReported
    ),
    T.dispatch_opened: Spec("a dispatch round (调度) was opened", g.DispatchOpened),
    T.escalation_created: Spec("the ladder (or the office) created an escalation", w.EscalationCreated),
    T.escalation_issued: Spec("an escalation was issued (it goes out to its addressee)", w.EscalationIssued),
    T.escalation_responded: Spec("the addressed unit answered", w.EscalationResponded),
    T.escalation_resolved: Spec("an escalation's cause went away", w.EscalationResolved),
    T.escalation_withdrawn: Spec("the office withdrew an escalation", w.EscalationWithdrawn),
    T.report_done: Spec("a requested report is ready (the report worker stored its file)", g.ReportDone),
    T.attachment_uploaded: Spec("evidence (佐证材料) was uploaded", g.AttachmentUploaded),
    T.attachment_linked: Spec("evidence was filed for a progress report or a closure", g.AttachmentLinked),
    T.closure_applied: Spec("a unit applied for 销号 (data: from, to, comment)", w.ClosureApplied),
    T.closure_reviewed: Spec("the lead unit agreed; acceptance begins", w.ClosureReviewed),
    T.closure_accepted: Spec("an acceptance level accepted (data: level, levels, org_id)", w.ClosureAccepted),
    T.closure_rejected: Spec("the application went back to the unit (data: comment = the reason)", w.ClosureRejected),
    T.closure_publicity_started: Spec(
        "the public notice (公示) began (data: start, end, days, day_kind)", w.ClosurePublicityStarted
    ),
    T.closure_objection_filed: Spec(
        "an objection was filed during the notice (no personal data in the event)", w.ClosureObjectionFiled
    ),
    T.closure_objection_decided: Spec(
        "the office decided an objection (data: upheld; upheld reopens the task)", w.ClosureObjectionDecided
    ),
    T.closure_written_off: Spec("the task was written off (已销号): the issue is closed", w.ClosureWrittenOff),
    T.closure_policy_replaced: Spec(
        "a round's closure policy was set (data: the whole policy)", w.ClosurePolicyReplaced
    ),
    T.closure_reopened: Spec(
        "a relapse (反弹) sent the closure back to the unit (data: comment = the reason)", w.ClosureReopened
    ),
    T.issue_attested: Spec(
        "a unit re-attested a long-term task (长期坚持) for the period (data: period, next_due)", g.IssueAttested
    ),
    T.issue_relapsed: Spec(
        "a finished task relapsed (反弹) and is in progress again (data: reason, source)", g.IssueRelapsed
    ),
    T.extension_requested: Spec("a unit asked for a later deadline", w.ExtensionRequested),
    T.extension_approved: Spec(
        "the office approved an extension: the deadline moved (data: from, to)", w.ExtensionApproved
    ),
    T.extension_rejected: Spec("the office refused an extension", w.ExtensionRejected),
    T.petition_batch_created: Spec(
        "the inspection team transferred a batch of petition cases (信访举报件)", w.PetitionBatchCreated
    ),
    T.petition_case_created: Spec(
        "a petition case was registered (by hand or by a batch import)", w.PetitionCaseCreated
    ),
    T.petition_case_updated: Spec("a petition case's fields or state changed (data: changes)", w.PetitionCaseUpdated),
    T.petition_case_closed: Spec(
        "a petition case was certified closed (已办结) by an upper-level department", w.PetitionCaseClosed
    ),
    T.calendar_year_replaced: Spec(
        "the office loaded a year's official calendar (holidays, make-up workdays)", g.CalendarYearReplaced
    ),
    T.calendar_overrides_replaced: Spec(
        "an org's own working-day adjustments for a year were replaced", g.CalendarOverridesReplaced
    ),
}

N = InternalEventType
INTERNAL: dict[InternalEventType, type[EventData]] = {
    N.scan_requested: i.ScanRequested,
    N.scan_withdraw_requested: i.ScanWithdrawRequested,
    N.escalation_policy_replaced: i.EscalationPolicyReplaced,
    N.document_template_uploaded: i.DocumentTemplateUploaded,
    N.round_narrative_replaced: i.RoundNarrativeReplaced,
    N.report_requested: i.ReportRequested,
}

#: type -> meaning (the catalogue as names and one-liners)
EVENT_TYPES: dict[str, str] = {t.value: s.description for t, s in CATALOGUE.items()}


def payload_model(event_type: EventType | InternalEventType) -> type[Any]:
    if isinstance(event_type, InternalEventType):
        return INTERNAL[event_type]
    return CATALOGUE[event_type].payload


def payload_schema(event_type: EventType) -> dict[str, Any]:
    """The JSON Schema of a published type's `data` (as the events are written: by alias)."""
    return dict(payload_model(event_type).model_json_schema(by_alias=True, mode="serialization"))


def new_webhook_secret() -> str:
    """`whsec_` + base64 of 24 random bytes (the Standard Webhooks secret format)."""
    import base64
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


__all__ = [
    "CATALOGUE",
    "EVENT_TYPES",
    "INTERNAL",
    "EventData",
    "EventType",
    "InternalEventType",
    "new_webhook_secret",
    "payload_model",
    "payload_schema",
    "record_event",
]
