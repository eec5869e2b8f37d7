"""Closures as a source of the ladder: a closure step left pending past its `step_due` — the lead
unit's review of an application, or an acceptance level ("谁验收谁负责") — fires the round policy's
after-deadline rules, addressed to the org holding the step (its parent, or the task's 责任领导,
as the rule's target says). The escalation names the closure and its task (`issue_id`).

A step's escalations are keyed by the step and its due date: when the step is done (the closure
moves on, is rejected or its task withdrawn), those still in force are resolved. The notice
period is not a pending step: its end is when the office may write off, not a deadline owed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import reviewer_id
from rectify_shared.escalation_policy import AfterDeadline, Policy, Rule
from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import metadata
from rectify_shared.workcalendar import WorkCalendar

from .deadlines import fires_after
from .model import OPEN_STATES, PastEscalation, Proposed
from .rules import address, climbed
from .sources import ScanWriter
from .sql import E, I, O
from .state import load_escalations

C = metadata.tables["closure"]
#: closure states with a step someone owes, and which step it is
PENDING_STATES = ("applied", "under_review", "accepting")
RESOLVED_STEP_DONE = "销号环节已办理，督办原因消除"


@dataclass(frozen=True)
class PendingStep:
    closure_id: int
    issue_id: int
    round_id: int
    #: "review", or "l<n>" for the n-th acceptance level
    stage: str
    due: date
    org_id: int
    org_name: str
    parent_org_id: int | None
    org_path: str
    leader: dict[str, Any] | None = None

    @property
    def step_text(self) -> str:
        return "牵头单位审核" if self.stage == "review" else f"第{self.stage[1:]}级验收"


def step_suffix(step: PendingStep) -> str:
    return f"c{step.closure_id}:{step.stage}:{step.due.isoformat()}"


def step_key(rule_id: str, step: PendingStep) -> str:
    return f"{rule_id}:{step_suffix(step)}"


def step_reason(step: PendingStep) -> str:
    return f"整改任务销号{step.step_text}（{step.org_name}）已超过办理时限（{step.due.isoformat()}）仍未办结"


def after_deadline_rules(policy: Policy) -> list[Rule]:
    return [r for r in policy.rules if isinstance(r.trigger, AfterDeadline)]


def closure_rule(
    rule: Rule,
    steps: Iterable[PendingStep],
    calendar: WorkCalendar,
    as_of: date,
    below: dict[tuple[int, str], PastEscalation] | None = None,
) -> list[Proposed]:
    """The escalations `rule` (an after-deadline rule) fires on `as_of` for pending closure steps;
    a rule with `after_level` climbs from the step's letter of that level (`below`, by closure
    and step suffix of the key)."""
    t = rule.trigger
    assert isinstance(t, AfterDeadline)
    out = []
    for step in steps:
        if not fires_after(t, step.due, calendar, as_of):
            continue
        if rule.after_level is not None:
            lower = (below or {}).get((step.closure_id, f"{rule.after_level.value}:{step_suffix(step)}"))
            if not climbed(rule, lower, calendar, as_of):
                continue
        org, person = address(rule, step.org_id, step.parent_org_id, step.leader)
        out.append(
            Proposed(
                rule=rule.id,
                level=rule.level.value,
                round_id=step.round_id,
                issue_id=step.issue_id,
                measure_id=None,
                dispatch_round_id=None,
                addressed_org_id=org,
                addressed_person=person,
                org_path=step.org_path,
                reason=step_reason(step),
                trigger={
                    "kind": t.kind,
                    "working_days": t.working_days,
                    "step": step.stage,
                    "due": step.due.isoformat(),
                },
                dedupe_key=step_key(rule.id, step),
                state=EscalationState.proposed if rule.requires_approval else EscalationState.issued,
                as_of=as_of,
                response_due=calendar.nth_workday_after(as_of, rule.response_working_days).day,
                subject=f"c{step.closure_id}",
                closure_id=step.closure_id,
            )
        )
    return out


def steps_done(in_force: Iterable[tuple[int, int, str, str]], pending: dict[int, PendingStep]) -> list[int]:
    """Escalations (id, closure id, rule, key) whose step is no longer the closure's pending one."""
    return [
        escalation_id
        for escalation_id, closure_id, rule, key in in_force
        if closure_id not in pending or step_key(rule, pending[closure_id]) != key
    ]


async def load_pending(session: AsyncSession, *conditions: Any) -> dict[int, PendingStep]:
    """Pending steps of live tasks' closures, by closure id."""
    rows = (
        await session.execute(
            select(C, I.c.lead_org_id, I.c.responsible_leader)
            .select_from(C.join(I, I.c.id == C.c.issue_id))
            .where(C.c.state.in_(PENDING_STATES), C.c.step_due.is_not(None), I.c.withdrawn_at.is_(None), *conditions)
        )
    ).all()
    holders = {r.id: _holder(r) for r in rows}
    orgs = {
        o.id: o
        for o in (
            await session.execute(
                select(O.c.id, O.c.name, O.c.parent_id, O.c.path).where(O.c.id.in_(set(holders.values())))
            )
        ).all()
    }
    out = {}
    for r in rows:
        org = orgs.get(holders[r.id])
        if org is None:
            continue
        stage = "review" if r.state != "accepting" else f"l{r.accepted_levels + 1}"
        out[r.id] = PendingStep(
            r.id, r.issue_id, r.round_id, stage, r.step_due, org.id, org.name, org.parent_id, org.path,
            r.responsible_leader,
        )  # fmt: skip
    return out


def _holder(row: Any) -> int:
    """The org that owes the step: the reviewer (the lead unit, or the first acceptor when the lead
    unit applied itself); each acceptance level's org accepts."""
    if row.state == "accepting" and row.accepted_levels < len(row.levels or []):
        return int(row.levels[row.accepted_levels]["org_id"])
    return reviewer_id(int(row.applicant_org_id), int(row.lead_org_id), row.levels or [])


class ClosureSource:
    """Closure steps: proposals built in Python from the pending steps (few at a time)."""

    name = "closure"

    async def create(self, scan: ScanWriter, policy: Policy, rounds: list[int]) -> None:
        await scan.insert(await self.propose(scan.session, policy, rounds, scan.calendar, scan.as_of))

    async def resolve(self, scan: ScanWriter, policy: Policy, rounds: list[int]) -> None:
        for resolution, ids in sorted((await self.resolved(scan.session, rounds)).items()):
            await scan.resolve_ids(resolution, ids)

    async def propose(
        self, session: AsyncSession, policy: Policy, rounds: Sequence[int], calendar: WorkCalendar, as_of: date
    ) -> list[Proposed]:
        rules = after_deadline_rules(policy)
        if not rules:
            return []
        steps = (await load_pending(session, C.c.round_id.in_(rounds), C.c.step_due < as_of)).values()
        below: dict[tuple[int, str], PastEscalation] = {}
        if steps and any(r.after_level is not None for r in rules):
            for e in await load_escalations(
                session, E.c.closure_id.in_([s.closure_id for s in steps]), E.c.state == EscalationState.issued
            ):
                below[(e.closure_id or 0, f"{e.level}:{e.dedupe_key.split(':', 1)[1]}")] = e
        return [p for rule in rules for p in closure_rule(rule, steps, calendar, as_of, below)]

    async def resolved(self, session: AsyncSession, rounds: Sequence[int]) -> dict[str, list[int]]:
        in_force = (
            await session.execute(
                select(E.c.id, E.c.closure_id, E.c.rule, E.c.dedupe_key).where(
                    E.c.closure_id.is_not(None), E.c.round_id.in_(rounds), E.c.state.in_(OPEN_STATES)
                )
            )
        ).all()
        if not in_force:
            return {}
        pending = await load_pending(session, C.c.id.in_({r.closure_id for r in in_force}))
        done = steps_done([tuple(r) for r in in_force], pending)
        return {RESOLVED_STEP_DONE: done} if done else {}


CLOSURES = ClosureSource()
