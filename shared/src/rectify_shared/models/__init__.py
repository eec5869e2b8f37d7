"""Table models of every service. One metadata; issues-api owns the migrations."""

from sqlmodel import SQLModel

from .audit import AuditChain, AuditRecord
from .auth import ApiKey, AuthSession, LoginFailure, UserAccount
from .calendar import CalendarDay, CalendarYear
from .delivery import Delivery, InboxMessage, MessageTemplate, WebhookSubscription
from .dispatch import DispatchObligation, DispatchRound
from .escalation import Escalation, EscalationPolicy, ScanRequest
from .issue import DeadlineChange, Issue, IssueOrg, IssueStatusChange, Measure
from .narrative import RoundNarrative
from .org import Org
from .outbox import OutboxEvent
from .petition import PetitionBatch, PetitionCase, PetitionPolicy, PetitionStateChange
from .progress import ProgressReport
from .report import EventReceipt, ReportFile, ReportJob
from .round import InspectionRound

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditChain",
    "AuditRecord",
    "AuthSession",
    "CalendarDay",
    "CalendarYear",
    "DeadlineChange",
    "Delivery",
    "DispatchObligation",
    "DispatchRound",
    "Escalation",
    "EscalationPolicy",
    "EventReceipt",
    "InboxMessage",
    "InspectionRound",
    "Issue",
    "IssueOrg",
    "IssueStatusChange",
    "LoginFailure",
    "Measure",
    "MessageTemplate",
    "Org",
    "OutboxEvent",
    "PetitionBatch",
    "PetitionCase",
    "PetitionPolicy",
    "PetitionStateChange",
    "ProgressReport",
    "ReportFile",
    "ReportJob",
    "RoundNarrative",
    "ScanRequest",
    "UserAccount",
    "WebhookSubscription",
    "metadata",
]
