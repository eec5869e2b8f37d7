"""Payloads of the workflow events: 销号 (closures), extensions, petition cases and escalations."""

from pydantic import Field

from ..closure_workflow import ClosurePolicy
from ..enums import ClosureState
from ..escalation_policy import Level
from ..escalation_states import EscalationState
from .base import Day, EventData, From, To


class ClosureStep(EventData):
    """One act on a closure: its state before (`from`, null on the first) and after (`to`)."""

    id: int
    issue_id: int | None
    petition_case_id: int | None
    round_id: int
    from_: ClosureState | None = From()
    to_: ClosureState = To()
    comment: str | None
    level: int | None = Field(default=None, description="an acceptance: the level (1-based) accepted")
    org_id: int | None = Field(default=None, description="an acceptance: the accepting org")


class ClosureApplied(ClosureStep):
    pass


class ClosureReviewed(ClosureStep):
    pass


class ClosureAccepted(ClosureStep):
    level: int = Field(description="the level (1-based) accepted")
    org_id: int = Field(description="the accepting org")
    levels: int = Field(description="how many acceptance levels the closure has")


class ClosureRejected(ClosureStep):
    """`comment` is the reason."""


class ClosurePublicityStarted(ClosureStep):
    start: Day
    end: Day
    days: int
    day_kind: str


class ClosureObjectionDecided(ClosureStep):
    objection_id: int
    upheld: bool


class ClosureWrittenOff(ClosureStep):
    pass


class ClosureReopened(ClosureStep):
    source: str = Field(description="what showed the relapse (反弹)")


class ClosureObjectionFiled(EventData):
    """No personal data: the objector's name and contact stay in the ledger."""

    id: int
    issue_id: int | None
    petition_case_id: int | None
    objection_id: int
    source: str


class ClosurePolicyReplaced(EventData, ClosurePolicy):
    """The round and its whole closure policy."""

    round_id: int


class ExtensionRequested(EventData):
    id: int
    issue_id: int
    current_deadline: Day
    proposed_deadline: Day
    reason: str


class ExtensionDecided(EventData):
    id: int
    issue_id: int
    state: str
    comment: str | None


class ExtensionApproved(ExtensionDecided):
    from_: Day | None = From("the deadline before")
    to_: Day = To("the deadline now")


class ExtensionRejected(ExtensionDecided):
    pass


class PetitionBatchCreated(EventData):
    id: int
    round_id: int
    batch_no: int
    transferred_at: Day
    due_days: int | None = None
    day_kind: str | None = None


class PetitionCaseRef(EventData):
    id: int
    round_id: int
    batch_id: int
    intake_no: str
    locality_org_id: int
    state: str
    verdict: str | None
    due_date: Day | None


class PetitionCaseCreated(PetitionCaseRef):
    pass


class PetitionCaseUpdated(PetitionCaseRef):
    changes: list[str] = Field(description="the names of the fields that changed")


class PetitionCaseClosed(PetitionCaseUpdated):
    via: str | None = Field(default=None, description="`closure` when 销号 closed the case")


class EscalationData(EventData):
    """Every escalation.* event, whoever writes it (the notifier's scan or a person in
    issues-api): the escalation row's 11 keys. `escalation.resolved` adds `resolution` and
    `resolved_as_of`; in `escalation.withdrawn` by a person, `reason` is the withdrawal's."""

    id: int
    level: Level
    state: EscalationState
    rule: str = Field(description="the ladder rule that raised it, or `manual` for a letter by hand")
    issue_id: int | None
    measure_id: int | None
    dispatch_round_id: int | None
    petition_case_id: int | None
    addressed_org_id: int
    reason: str
    as_of: Day


class EscalationCreated(EscalationData):
    pass


class EscalationIssued(EscalationData):
    pass


class EscalationResponded(EscalationData):
    pass


class EscalationWithdrawn(EscalationData):
    pass


class EscalationResolved(EscalationData):
    resolution: str | None
    resolved_as_of: Day
