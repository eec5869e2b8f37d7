"""The escalation ladder as policy data (per round): the contract between issues-api, which
validates and stores it, and the notifier, which applies it.

Each rule says when a level fires (its trigger), to whom it is addressed (its target), and
whether it waits for the office to issue it (serious steps such as 督办 and 约谈 do).

The ladder climbs one rung at a time: a rule with `after_level` fires for a cause (a problem's
overdue work at one unit, in one deadline period) only once an escalation of `after_level` for
that same cause was issued at least `min_working_days_since` working days earlier and is still
unanswered and unfixed (state `issued`: a written response, a fix, a withdrawal stop the climb).
So two levels never fire for one cause on the same day. A rule without `after_level` is the
first rung of its cause: 预警 (before a deadline, or a missed report) or 通报 (once overdue).
Only a rule that says `jump: true` may skip rungs (e.g. a serious relapse straight to 督办).
Letters are issued by the round's office and addressed to the unit that must act; a rule that
would address the issuer itself is refused when the policy is stored (`issuer_conflicts`).
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .json_types import JsonBool, JsonInt


class Level(StrEnum):
    warning = "warning"  # 预警
    notice = "notice"  # 通报
    supervision = "supervision"  # 督办
    summons = "summons"  # 约谈


LEVEL_TEXT = {Level.warning: "预警", Level.notice: "通报", Level.supervision: "督办", Level.summons: "约谈"}
LEVEL_RANK = {Level.warning: 1, Level.notice: 2, Level.supervision: 3, Level.summons: 4}
LEVEL_BELOW = {Level.notice: Level.warning, Level.supervision: Level.notice, Level.summons: Level.supervision}


class Target(StrEnum):
    responsible_org = "responsible_org"  # the task's responsible (or lead) org
    parent_org = "parent_org"  # the org above it
    responsible_leader = "responsible_leader"  # the 责任领导


class BeforeDeadline(BaseModel):
    """Fires while at most `working_days` working days remain before an open task's deadline."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["before_deadline"]
    working_days: JsonInt = Field(ge=0, le=60)


class AfterDeadline(BaseModel):
    """Fires once `working_days` working days have passed since an open task's deadline
    (0: the day after the deadline)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["after_deadline"]
    working_days: JsonInt = Field(ge=0, le=250)


class MissedDispatch(BaseModel):
    """Fires for a unit that has not reported by a dispatch round's cutoff."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["missed_dispatch"]


class MissedAttestation(BaseModel):
    """Fires for a long-term (长期坚持) task with no progress report in its last attestation period."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["missed_attestation"]


class Repeated(BaseModel):
    """Fires when a task has had `count` escalations of level `of_level` within `within_working_days`."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["repeated"]
    of_level: Level
    count: JsonInt = Field(ge=2, le=20)
    within_working_days: JsonInt = Field(ge=1, le=250)


Trigger = Annotated[
    BeforeDeadline | AfterDeadline | MissedDispatch | MissedAttestation | Repeated, Field(discriminator="kind")
]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_\-]{1,40}$", description="Stable name; part of each escalation's key")
    level: Level
    trigger: Trigger
    target: Target = Target.responsible_org
    requires_approval: JsonBool = Field(
        default=False, description="Created `proposed`; goes out only when the office issues it"
    )
    response_working_days: JsonInt = Field(default=5, ge=1, le=60, description="Working days the unit has to respond")
    after_level: Level | None = Field(
        default=None,
        description="The rung below: fires only for a cause already escalated at this level, issued and unanswered",
    )
    min_working_days_since: JsonInt = Field(
        default=5, ge=1, le=120, description="Working days since the `after_level` letter was issued"
    )
    jump: JsonBool = Field(default=False, description="May skip rungs (said explicitly, e.g. for a serious relapse)")

    @model_validator(mode="after")
    def _climbs(self) -> "Rule":
        rank = LEVEL_RANK[self.level]
        t = self.trigger
        below = self.after_level if self.after_level is not None else (t.of_level if isinstance(t, Repeated) else None)
        if self.after_level is not None and not isinstance(t, BeforeDeadline | AfterDeadline):
            raise ValueError(f"rule {self.id}: after_level applies to deadline rules / 逐级升级仅适用于时限规则")
        if below is not None and LEVEL_RANK[below] >= rank:
            raise ValueError(f"rule {self.id}: after_level must be below its level / 只能逐级升级")
        if self.jump:
            return self
        if below is not None and LEVEL_RANK[below] != rank - 1:
            raise ValueError(
                f"rule {self.id}: {self.level} is reached only from {LEVEL_BELOW[self.level]}"
                f" (or say jump: true) / 只能由下一级升级，越级须声明 jump"
            )
        if below is None and rank > LEVEL_RANK[Level.notice]:
            raise ValueError(
                f"rule {self.id}: {self.level} needs after_level {LEVEL_BELOW[self.level]}"
                f" (or jump: true) / 督办、约谈须由下一级升级而来"
            )
        return self


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _checks(self) -> "Policy":
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique / 规则编号不能重复")
        for rule in self.rules:
            t = rule.trigger
            if isinstance(t, Repeated) and LEVEL_RANK[t.of_level] >= LEVEL_RANK[rule.level]:
                raise ValueError(f"rule {rule.id}: repeated {t.of_level} must lead to a higher level / 只能升级")
        return self

    def issuer_conflicts(self, issuers: set[int], parents_of_units: set[int]) -> list[str]:
        """Rules that would address the issuer itself: `issuers` are the round's office and the
        org it belongs to, `parents_of_units` the orgs directly above the round's units."""
        if not issuers & parents_of_units:
            return []
        return [r.id for r in self.rules if r.target == Target.parent_org]


DEFAULT_POLICY = Policy(
    rules=[
        Rule(id="warn-5wd-before", level=Level.warning, trigger=BeforeDeadline(kind="before_deadline", working_days=5)),
        Rule(id="notice-overdue", level=Level.notice, trigger=AfterDeadline(kind="after_deadline", working_days=0)),
        Rule(
            id="supervise-5wd-after-notice",
            level=Level.supervision,
            trigger=AfterDeadline(kind="after_deadline", working_days=0),
            after_level=Level.notice,
            min_working_days_since=5,
            requires_approval=True,
        ),
        Rule(
            id="summon-5wd-after-supervision",
            level=Level.summons,
            trigger=AfterDeadline(kind="after_deadline", working_days=0),
            after_level=Level.supervision,
            min_working_days_since=5,
            target=Target.responsible_leader,
            requires_approval=True,
        ),
        Rule(id="warn-missed-dispatch", level=Level.warning, trigger=MissedDispatch(kind="missed_dispatch")),
        Rule(id="warn-missed-attestation", level=Level.warning, trigger=MissedAttestation(kind="missed_attestation")),
        Rule(
            id="notice-2-warnings",
            level=Level.notice,
            trigger=Repeated(kind="repeated", of_level=Level.warning, count=2, within_working_days=20),
        ),
    ]
)


def warning_window(policy: Policy) -> int | None:
    """Working days before a deadline within which the ladder warns (the widest `before_deadline`
    rule); None when the policy never warns ahead of a deadline."""
    days = [r.trigger.working_days for r in policy.rules if isinstance(r.trigger, BeforeDeadline)]
    return max(days) if days else None
