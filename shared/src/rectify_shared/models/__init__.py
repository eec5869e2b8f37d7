"""Table models of every service. One metadata; issues-api owns the migrations."""

from sqlmodel import SQLModel

from .attachment import Attachment, AttachmentLink
from .audit import AuditChain, AuditRecord
from .auth import ApiKey, AuthSession, LoginFailure, UserAccount
from .calendar import CalendarDay, CalendarOverride, CalendarVersion, CalendarYear
from .closure import Closure, ClosureObjection, ClosurePolicyRecord, ClosureStep, ExtensionRequest
from .delivery import Delivery, InboxMessage, MessageTemplate, WebhookSubscription
from .dispatch import DispatchObligation, DispatchRound
from .document_template import DocumentTemplate
from .escalation import Escalation, EscalationPolicy, ScanRequest
from .idempotency import IdempotencyKey
from .import_job import ImportJob
from .indicator import Indicator, IndicatorMeasure, IndicatorValue, IndicatorVersion
from .issue import DeadlineChange, Issue, IssueOrg, IssueStatusChange, Measure, MeasureStatusChange
from .long_term import IssueAttestation, IssueRelapse
from .narrative import RoundNarrative
from .org import Org
from .outbox import OutboxEvent
from .petition import PetitionBatch, PetitionCase, PetitionPolicy, PetitionStateChange, PollutionTypeEntry
from .preferences import DeliveryReceipt, NotificationPreference
from .progress import ProgressReport
from .report import EventReceipt, ReportFile, ReportJob
from .round import InspectionRound
from .stats import (
    StatsIssueDue,
    StatsIssueInputsVersion,
    StatsIssueKey,
    StatsIssueSpan,
    StatsIssueTally,
    StatsPetitionVersion,
    StatsTallyVersion,
)

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "Attachment",
    "AttachmentLink",
    "AuditChain",
    "AuditRecord",
    "AuthSession",
    "CalendarDay",
    "CalendarOverride",
    "CalendarVersion",
    "CalendarYear",
    "Closure",
    "ClosureObjection",
    "ClosurePolicyRecord",
    "ClosureStep",
    "DeadlineChange",
    "Delivery",
    "DeliveryReceipt",
    "DispatchObligation",
    "DispatchRound",
    "DocumentTemplate",
    "Escalation",
    "EscalationPolicy",
    "EventReceipt",
    "ExtensionRequest",
    "IdempotencyKey",
    "ImportJob",
    "InboxMessage",
    "Indicator",
    "IndicatorMeasure",
    "IndicatorValue",
    "IndicatorVersion",
    "InspectionRound",
    "Issue",
    "IssueAttestation",
    "IssueOrg",
    "IssueRelapse",
    "IssueStatusChange",
    "LoginFailure",
    "Measure",
    "MeasureStatusChange",
    "MessageTemplate",
    "NotificationPreference",
    "Org",
    "OutboxEvent",
    "PetitionBatch",
    "PetitionCase",
    "PetitionPolicy",
    "PetitionStateChange",
    "PollutionTypeEntry",
    "ProgressReport",
    "ReportFile",
    "ReportJob",
    "RoundNarrative",
    "ScanRequest",
    "StatsIssueDue",
    "StatsIssueInputsVersion",
    "StatsIssueKey",
    "StatsIssueSpan",
    "StatsIssueTally",
    "StatsPetitionVersion",
    "StatsTallyVersion",
    "UserAccount",
    "WebhookSubscription",
    "metadata",
]
