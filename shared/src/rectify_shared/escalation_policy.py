"""The escalation ladder as policy data (per round): the contract between issues-api, which
validates and stores it, and the notifier, which applies it.

Each rule says when a level fires (its trigger), to whom it is addressed (its target), and
whether it waits for the office to issue it (serious steps such as 督办 and 约谈 do).
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Level(StrEnum):
    warning = "warning"  # 预警
    notice = "notice"  # 通报
    supervision = "supervision"  # 督办
    summons = "summons"  # 约谈


LEVEL_TEXT = {Level.warning: "预警", Level.notice: "通报", Level.supervision: "督办", Level.summons: "约谈"}
LEVEL_RANK = {Level.warning: 1, Level.notice: 2, Level.supervision: 3, Level.summons: 4}


class Target(StrEnum):
    responsible_org = "responsible_org"  # the task's responsible (or lead) org
    parent_org = "parent_org"  # the org above it
    responsible_leader = "responsible_leader"  # the 责任领导


class BeforeDeadline(BaseModel):
    """Fires while at most `working_days` working days remain before an open task's deadline."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["before_deadline"]
    working_days: int = Field(ge=0, le=60)


class AfterDeadline(BaseModel):
    """Fires once `working_days` working days have passed since an open task's deadline
    (0: the day after the deadline)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["after_deadline"]
    working_days: int = Field(ge=0, le=250)


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
    count: int = Field(ge=2, le=20)
    within_working_days: int = Field(ge=1, le=250)


Trigger = Annotated[
    BeforeDeadline | AfterDeadline | MissedDispatch | MissedAttestation | Repeated, Field(discriminator="kind")
]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_\-]{1,40}$", description="Stable name; part of each escalation's key")
    level: Level
    trigger: Trigger
    target: Target = Target.responsible_org
    requires_approval: bool = Field(
        default=False, description="Created `proposed`; goes out only when the office issues it"
    )
    response_working_days: int = Field(default=5, ge=1, le=60, description="Working days the unit has to respond")


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


DEFAULT_POLICY = Policy(
    rules=[
        Rule(id="warn-5wd-before", level=Level.warning, trigger=BeforeDeadline(kind="before_deadline", working_days=5)),
        Rule(id="notice-overdue", level=Level.notice, trigger=AfterDeadline(kind="after_deadline", working_days=0)),
        Rule(
            id="supervise-10wd-overdue",
            level=Level.supervision,
            trigger=AfterDeadline(kind="after_deadline", working_days=10),
            target=Target.parent_org,
            requires_approval=True,
        ),
        Rule(
            id="summon-20wd-overdue",
            level=Level.summons,
            trigger=AfterDeadline(kind="after_deadline", working_days=20),
            target=Target.responsible_leader,
            requires_approval=True,
        ),
        Rule(id="warn-missed-dispatch", level=Level.warning, trigger=MissedDispatch(kind="missed_dispatch")),
        Rule(id="warn-missed-attestation", level=Level.warning, trigger=MissedAttestation(kind="missed_attestation")),
        Rule(
            id="supervise-2-warnings",
            level=Level.supervision,
            trigger=Repeated(kind="repeated", of_level=Level.warning, count=2, within_working_days=20),
            target=Target.parent_org,
            requires_approval=True,
        ),
    ]
)


def warning_window(policy: Policy) -> int | None:
    """Working days before a deadline within which the ladder warns (the widest `before_deadline`
    rule); None when the policy never warns ahead of a deadline."""
    days = [r.trigger.working_days for r in policy.rules if isinstance(r.trigger, BeforeDeadline)]
    return max(days) if days else None
