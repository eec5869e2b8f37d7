"""The closure workflow (验收 → 公示 → 销号) as plain data and pure functions.

Who accepts: the round's policy names acceptors in order (default county → league, "谁验收谁负责"):
an org kind (the nearest org of that kind at or above the issue's lead org — the first level falls
back to the lead org itself when no org of its kind is above it), `supervisor` (the org directly
above the lead unit) or `office` (the round's 督察整改办). Nobody reviews or accepts its own
application: a level that would fall to the applicant's org is left out, and the review passes from
the lead unit to the first accepting org when the lead unit applied itself.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

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
#: who accepts a level: an org kind, the lead unit's supervising org, or the round's office (`office`)
Acceptor = OrgKind | Literal["supervisor"]
SUPERVISOR: Literal["supervisor"] = "supervisor"


class ClosurePolicy(BaseModel):
    acceptance_levels: list[Acceptor] = Field(
        default_factory=lambda: list[Acceptor]([OrgKind.county, OrgKind.league]),
        min_length=1,
        max_length=5,
        json_schema_extra={"uniqueItems": True},
        description="Who accepts each level, in order: an org kind (nearest at or above the lead unit), "
        "`supervisor` (the org above the lead unit) or `office` (the round's 督察整改办)",
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


def acceptors(
    policy: ClosurePolicy,
    chain: Sequence[OrgNode],
    *,
    office: OrgNode | None = None,
    applicant_id: int | None = None,
) -> list[tuple[str, OrgNode]]:
    """(acceptor, org) of each level, in order. `chain` is the lead org first, then its ancestors up
    to the root; `office` the round's office. A level falling to the applicant's org, or to an org
    already accepting, is left out."""
    out: list[tuple[str, OrgNode]] = []
    for n, kind in enumerate(policy.acceptance_levels):
        found: OrgNode | None
        if kind == SUPERVISOR:
            found = chain[1] if len(chain) > 1 else None
        elif kind == OrgKind.office and office is not None:
            found = office
        else:
            found = next((o for o in chain if o.kind == kind), None)
            if found is None and n == 0 and chain:
                found = chain[0]
        if found is None or found.id == applicant_id or any(found.id == o.id for _, o in out):
            continue
        out.append((str(kind), found))
    return out


def acceptance_levels(policy: ClosurePolicy, chain: Sequence[OrgNode]) -> list[OrgNode]:
    """The accepting orgs, in order (no applicant, no office): see `acceptors`."""
    return [node for _, node in acceptors(policy, chain)]


def reviewer(chain: Sequence[OrgNode], levels: Sequence[OrgNode], applicant_id: int) -> OrgNode | None:
    """Who reviews an application (牵头单位审核): the lead unit, unless it applied itself — then the
    first accepting org (the applicant never reviews its own application)."""
    if chain and chain[0].id != applicant_id:
        return chain[0]
    return next((o for o in levels if o.id != applicant_id), None)


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


def reviewer_id(applicant_org_id: int, lead_org_id: int, levels: Sequence[dict[str, Any]]) -> int:
    """The org that reviews a stored closure (its `levels` as stored): the lead unit, or the first
    accepting org when the lead unit applied itself. issues-api, the ladder and the 审批表 all ask this."""
    if applicant_org_id != lead_org_id:
        return lead_org_id
    return next((int(lv["org_id"]) for lv in levels if int(lv["org_id"]) != lead_org_id), lead_org_id)


def allowed_from(action: str) -> frozenset[ClosureState]:
    return TRANSITIONS[action][0]


def zh_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def period_text(start: date, end: date) -> str:
    """ "公示期为2024年12月2日至2024年12月13日" — the wording of the notice."""
    return f"公示期为{zh_date(start)}至{zh_date(end)}"


def days_text(days: int | None, day_kind: str | None, shown: str | None, start: date, end: date) -> str:
    """The period's length as the notice prints it: "（10个工作日）", "（14日）" or "" (`shown`:
    working / calendar / none; None: as the period was counted, `day_kind`)."""
    shown = shown or ("working" if day_kind == "working" else "calendar")
    if shown == "none" or not days:
        return ""
    if shown == "working":
        return f"（{days}个工作日）"
    return f"（{days if day_kind != 'working' else (end - start).days + 1}日）"


def task_number(seq: int, display_no: str | None = None) -> str:
    """How a task is numbered in running text: 第10项 by default; the office's own number as it is
    when it names itself (序号十, 第十项), else inside 第…项 (十 → 第十项, 3-1 → 第3-1项)."""
    shown = (display_no or "").strip()
    if not shown:
        return f"第{seq}项"
    if shown.startswith(("第", "序号", "编号")):
        return shown
    return f"第{shown}项"


HOW_TO_OBJECT = (
    "公示期间，任何单位和个人对该整改任务销号有异议的，可通过本页面或以下联系方式实名提出，"
    "并留下联系方式，以便核实反馈。"
)
