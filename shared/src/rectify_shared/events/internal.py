"""Payloads of the internal events: outbox rows that route work to a worker or invalidate a
cache (`in_feed` false). They are neither in the change feed nor sent to webhooks."""

from .base import Day, EventData


class ScanRequested(EventData):
    scan_id: int
    as_of: Day


class ScanWithdrawRequested(EventData):
    scan_id: int


class EscalationPolicyReplaced(EventData):
    round_id: int


class DocumentTemplateUploaded(EventData):
    kind: str
    scope: str
    version: int


class RoundNarrativeReplaced(EventData):
    round_id: int
    org_id: int


class ReportRequested(EventData):
    report_id: int
    kind: str
