"""The ladder's inputs and outputs as plain data, and the few facts both the pure ladder and
the SQL scan must spell identically: what "open" means, dedupe keys, reason texts.

A subject is what an escalation is about: a measure ("m<id>"), an issue ("i<id>"), or, for
dispatch escalations, the unit that owes the report ("o<org id>").
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from rectify_shared import escalation_states, status
from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.periods import CYCLES

#: the statuses are the ledger's (`rectify_shared.status`), named here as the ladder reads them
OPEN_ISSUE_STATUSES = status.OPEN_ISSUE_STATUSES
ATTESTING_ISSUE_STATUS = IssueStatus.completed_long_term
COMPLETED_MEASURE_STATUS = MeasureStatus.completed
ATTESTATION_CYCLES = CYCLES
#: escalations still in force: a cause that goes away resolves these (the state machine's)
OPEN_STATES = escalation_states.OPEN_STATES


@dataclass(frozen=True)
class Item:
    """An issue or a measure, with what the ladder needs to judge and address it."""

    kind: Literal["issue", "measure"]
    issue_id: int
    measure_id: int | None
    round_id: int
    deadline: date | None
    #: the measure's status for a measure, the issue's for an issue
    status: str
    #: responsible org of a measure (fallback: the issue's lead org); lead org of an issue
    org_id: int
    parent_org_id: int | None
    leader: dict[str, Any] | None
    org_path: str
    #: the issue's status (for a measure: its issue's)
    issue_status: str = ""
    long_term: bool = False
    attestation_cycle: str | None = None
    #: China date of the latest progress report on the issue (any of its measures), up to as_of
    last_progress_at: date | None = None
    #: the item, or for a measure its issue, was withdrawn (entered by mistake)
    withdrawn: bool = False
    #: the issue's deadline: the cause period of its letters (a measure's too)
    period: date | None = None
    #: the path of `org_id` (the unit a letter about the item is addressed to)
    unit_path: str = ""

    def __post_init__(self) -> None:
        if not self.issue_status:
            object.__setattr__(self, "issue_status", self.status)

    @property
    def subject(self) -> str:
        return f"m{self.measure_id}" if self.kind == "measure" else f"i{self.issue_id}"


@dataclass(frozen=True)
class Obligation:
    """A unit owing one dispatch round a progress report."""

    dispatch_round_id: int
    round_id: int
    org_id: int
    parent_org_id: int | None
    org_path: str
    #: China date of the round's cutoff
    cutoff: date
    reported: bool
    period: str = ""

    @property
    def subject(self) -> str:
        return f"o{self.org_id}"


@dataclass(frozen=True)
class Unit:
    """A unit as the subject of dispatch escalations (its misses are counted together)."""

    org_id: int
    parent_org_id: int | None
    org_path: str


@dataclass(frozen=True)
class PastEscalation:
    id: int | None
    round_id: int
    issue_id: int | None
    measure_id: int | None
    level: str
    as_of: date
    state: str
    dedupe_key: str
    #: the subject's org: for a dispatch escalation, the unit that missed the report
    org_id: int | None = None
    dispatch_round_id: int | None = None
    rule: str = ""
    trigger: dict[str, Any] = field(default_factory=dict)
    #: China date it was issued (by the scan: its as_of; by a person: that day); None while proposed
    issued_on: date | None = None
    closure_id: int | None = None

    @property
    def subject(self) -> str | None:
        if self.dedupe_key.startswith(LETTER_PREFIX):
            return letter_subject(self.issue_id or 0, int(self.trigger.get("unit_org_id") or 0))
        if self.measure_id is not None:
            return f"m{self.measure_id}"
        if self.issue_id is not None:
            return f"i{self.issue_id}"
        return f"o{self.org_id}" if self.org_id is not None else None


@dataclass(frozen=True)
class Proposed:
    rule: str
    level: str
    round_id: int
    issue_id: int | None
    measure_id: int | None
    dispatch_round_id: int | None
    addressed_org_id: int
    addressed_person: dict[str, Any] | None
    org_path: str
    reason: str
    trigger: dict[str, Any]
    dedupe_key: str
    state: str
    as_of: date
    response_due: date
    #: "m<id>", "i<id>" or "o<org id>" (see the module doc); "c<id>" for a closure step
    subject: str
    #: a closure step left pending (see `closure_source`)
    closure_id: int | None = None


@dataclass(frozen=True)
class Resolution:
    escalation_id: int | None
    dedupe_key: str
    resolution: str


def is_open(item: Item) -> bool:
    """Work still to do: an issue not started or in progress; a measure not completed under such an issue."""
    if item.withdrawn or item.issue_status not in OPEN_ISSUE_STATUSES:
        return False
    return item.kind == "issue" or item.status != COMPLETED_MEASURE_STATUS


def is_attesting(item: Item) -> bool:
    """A 长期坚持 issue that must be re-attested every period."""
    return (
        item.kind == "issue"
        and not item.withdrawn
        and item.status == ATTESTING_ISSUE_STATUS
        and item.attestation_cycle in ATTESTATION_CYCLES
    )


# ---------------------------------------------------------------- keys (the SQL builds the same strings)


def deadline_key(rule_id: str, subject: str, deadline: date) -> str:
    return f"{rule_id}:{subject}:{deadline.isoformat()}"


LETTER_PREFIX = "letter:"
OPEN_PERIOD = "open"


def period_text(period: date | None) -> str:
    return period.isoformat() if period is not None else OPEN_PERIOD


def letter_subject(issue_id: int, org_id: int) -> str:
    """A letter's subject: a problem at one unit (repeated rules do not count letters: they climb)."""
    return f"L{issue_id}:{org_id}"


def letter_key(level: str, issue_id: int, org_id: int, period: date | None) -> str:
    """One letter per (level, problem, unit, cause period): the period is the problem's deadline,
    so a problem given a new deadline starts its ladder again."""
    return f"{LETTER_PREFIX}{level}:i{issue_id}:o{org_id}:{period_text(period)}"


def dispatch_key(rule_id: str, dispatch_round_id: int, org_id: int) -> str:
    return f"{rule_id}:d{dispatch_round_id}:o{org_id}"


def period_key(rule_id: str, subject: str, label: str) -> str:
    return f"{rule_id}:{subject}:{label}"


def repeated_key(rule_id: str, round_id: int, subject: str, latest: date) -> str:
    # a unit ("o<id>") may owe dispatch reports in several rounds, each counted apart
    return f"{rule_id}:r{round_id}:{subject}:{latest.isoformat()}"


# ---------------------------------------------------------------- reasons (Chinese, as notices word them)

BEFORE_TEXT = ("整改任务距完成时限（", "）仅剩", "个工作日")
AFTER_TEXT_0 = ("整改任务已超过完成时限（", "）仍未完成")
AFTER_TEXT_N = ("整改任务超过完成时限（", "）已达", "个工作日仍未完成")
DISPATCH_TEXT = ("未在调度截止时间前报送整改进展（", "）")


def before_reason(deadline: date, remaining: int) -> str:
    a, b, c = BEFORE_TEXT
    return f"{a}{deadline.isoformat()}{b}{remaining}{c}"


def after_reason(deadline: date, working_days: int) -> str:
    if working_days == 0:
        return f"{AFTER_TEXT_0[0]}{deadline.isoformat()}{AFTER_TEXT_0[1]}"
    a, b, c = AFTER_TEXT_N
    return f"{a}{deadline.isoformat()}{b}{working_days}{c}"


MEASURES_TEXT = ("（涉及整改措施", "项）")


def measures_suffix(count: int) -> str:
    return f"{MEASURES_TEXT[0]}{count}{MEASURES_TEXT[1]}" if count else ""


def dispatch_reason(period: str) -> str:
    return f"{DISPATCH_TEXT[0]}{period}{DISPATCH_TEXT[1]}"


def attestation_reason(label: str) -> str:
    return f"长期坚持的整改任务未在{label}期间报送整改进展"


def repeated_reason(count: int, level_text: str, within: int) -> str:
    return f"{within}个工作日内连续{count}次{level_text}"


RESOLVED_TASK_CLOSED = "整改任务已完成、销号或撤回，督办原因消除"
RESOLVED_DEADLINE_MOVED = "完成时限已调整，原时限的督办原因消除"
RESOLVED_DISPATCH_REPORTED = "已报送调度整改进展"
RESOLVED_ATTESTED = "已报送该期整改进展"
RESOLVED_NOT_ATTESTING = "整改任务已不再处于长期坚持状态"
