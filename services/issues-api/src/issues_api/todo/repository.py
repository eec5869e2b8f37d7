"""The to-do queries: one statement per section, its count in the same round trip (a window
count over the section's rows)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ClosureState
from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import (
    Closure,
    DispatchObligation,
    DispatchRound,
    Escalation,
    InspectionRound,
    Issue,
    PetitionCase,
)
from rectify_shared.tree import in_subtree

from ..auth.principal import Scope

_TOTAL = func.count().over().label("total")
_PENDING = [ClosureState.applied.value, ClosureState.under_review.value, ClosureState.accepting.value]


async def owed(session: AsyncSession, org_id: int, now: datetime, limit: int) -> Sequence[Row[Any]]:
    stmt = (
        select(
            DispatchRound.id,
            DispatchRound.round_id,
            DispatchRound.frequency,
            DispatchRound.period,
            DispatchRound.cutoff,
            _TOTAL,
        )
        .join(DispatchObligation, DispatchObligation.dispatch_round_id == DispatchRound.id)
        .where(
            DispatchObligation.org_id == org_id,
            DispatchObligation.reported_at.is_(None),
            DispatchRound.opens_at <= now,
        )
        .order_by(DispatchRound.cutoff, DispatchRound.id)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


def _letters(*where: Any) -> Any:
    due_last = case((Escalation.response_due.is_(None), 1), else_=0)
    return select(Escalation, _TOTAL).where(*where).order_by(due_last, Escalation.response_due, Escalation.id)


async def letters_awaiting_answer(session: AsyncSession, org_id: int, limit: int) -> Sequence[Row[Any]]:
    stmt = _letters(Escalation.addressed_org_id == org_id, Escalation.state == EscalationState.issued)
    return (await session.execute(stmt.limit(limit))).all()


async def letters_to_issue(session: AsyncSession, scope: Scope, limit: int) -> Sequence[Row[Any]]:
    stmt = _letters(Escalation.state == EscalationState.proposed, scope.clause(Escalation.org_path))
    return (await session.execute(stmt.limit(limit))).all()


async def pending_closures(session: AsyncSession, org_id: int, org_path: str) -> Sequence[Row[Any, Any]]:
    """Closures at the review or an acceptance step that may wait on the org, with their lead org:
    the org leads the task (the review), or the task is under the org (acceptors are the lead's
    ancestors), or the org is the round's office. Which step waits on whom is the workflow's rule
    (`reviewer_id`, the stored levels): the caller picks the org's own from these."""
    lead = func.coalesce(Issue.lead_org_id, PetitionCase.responsible_org_id, PetitionCase.locality_org_id)
    offices = select(InspectionRound.id).where(InspectionRound.office_org_id == org_id)
    stmt = (
        select(Closure, lead.label("lead_org_id"))
        .outerjoin(Issue, Issue.id == Closure.issue_id)
        .outerjoin(PetitionCase, PetitionCase.id == Closure.petition_case_id)
        .where(
            Closure.state.in_(_PENDING),
            or_(lead == org_id, in_subtree(Closure.org_path, org_path), Closure.round_id.in_(offices)),
        )
        .order_by(Closure.step_due, Closure.id)
    )
    return (await session.execute(stmt)).all()
