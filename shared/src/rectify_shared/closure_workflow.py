"""The closure workflow (验收 → 公示 → 销号) as plain data and pure functions.

Who accepts: the round's policy names org kinds in order (default county → league, "谁验收谁负责");
each level is the nearest org of that kind at or above the issue's lead org — the first level
falls back to the lead org itself when no org of its kind is above it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from .attestation import AttestationCycle
from .enums import ClosureState, OrgKind
from .workcalendar import WorkCalendar

C = ClosureState

#: action -> (states it may start from, state it leads to); `accept` stays in `accepting` until the last level
TRANSITIONS: dict[str, tuple[frozenset[ClosureState], ClosureState]] = {
    "apply": (frozenset({C.rejected, C.reopened}), C.under_review),
    "review": (frozenset({C.applied, C.under_review}), C.accepting),
    "accept": (frozenset({C.accepting}), C.accepted),
    "reject": (frozenset({C.applied, C.under_review, C.accepting, C.accepted}), C.rejected),
    "publicity": (frozenset({C.accepted}), C.in_publicity),
    "uphold_objection": (frozenset({C.in_publicity}), C.reopened),
    "writeoff": (frozenset({C.in_publicity}), C.written_off),
    # 反弹: a relapse found after application (or after write-off) sends the task back to the unit
    "relapse": (
        frozenset({C.applied, C.under_review, C.accepting, C.accepted, C.in_publicity, C.written_off}),
        C.reopened,
    ),
}


PetitionClosure = Literal["certification", "writeoff"]


class ClosurePolicy(BaseModel):
    acceptance_levels: list[OrgKind] = Field(
        default_factory=lambda: [OrgKind.county, OrgKind.league], min_length=1, max_length=5
    )
    #: working days each pending step (review, an acceptance level) may take before it is overdue
    step_working_days: int = Field(10, ge=1, le=120)
    #: 长期坚持: the re-attestation cycle a long-term task gets at acceptance when it has none of its own
    attestation_cycle: AttestationCycle = "quarterly"
    #: the notice (公示) a closure gets when `/publicity` names no length of its own
    publicity_days: int = Field(10, ge=1, le=60)
    publicity_day_kind: Literal["working", "calendar"] = "working"
    #: petition cases: closed by the certifying department (`certification`) or through 销号 (`writeoff`)
    petition_closure: PetitionClosure = "certification"


DEFAULT_CLOSURE_POLICY = ClosurePolicy()


@dataclass(frozen=True)
class OrgNode:
    id: int
    kind: str
    name: str


def acceptance_levels(policy: ClosurePolicy, chain: Sequence[OrgNode]) -> list[OrgNode]:
    """The accepting orgs, in order. `chain` is the lead org first, then its ancestors up to the root."""
    out: list[OrgNode] = []
    for n, kind in enumerate(policy.acceptance_levels):
        found = next((o for o in chain if o.kind == kind), None)
        if found is None and n == 0 and chain:
            found = chain[0]
        if found is not None and all(found.id != o.id for o in out):
            out.append(found)
    return out


def publicity_end(
    cal: WorkCalendar, start: date, days: int, day_kind: Literal["working", "calendar"]
) -> tuple[date, bool]:
    """The last day of a notice of `days` days from `start` (start included); and whether it is provisional.

    A working-day notice that starts on a rest day counts from the next working day.
    """
    if day_kind == "calendar":
        return start + timedelta(days=days - 1), False
    counted = cal.nth_workday(start, days)
    return counted.day, counted.provisional


def allowed_from(action: str) -> frozenset[ClosureState]:
    return TRANSITIONS[action][0]


def zh_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def period_text(start: date, end: date) -> str:
    """ "公示期为2024年12月2日至2024年12月13日" — the wording of the notice."""
    return f"公示期为{zh_date(start)}至{zh_date(end)}"


HOW_TO_OBJECT = (
    "公示期间，任何单位和个人对该整改任务销号有异议的，可通过本页面或以下联系方式实名提出，"
    "并留下联系方式，以便核实反馈。"
)
