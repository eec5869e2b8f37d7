"""The to-do queries: statements built once with bind parameters, run through `db_fast.fetch`
(on a request's session or the fast path's `ReadConnection`), columns not entities; each section's
first rows and its count in one round trip (a window count over the section's few rows)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import ReadConnection, fetch
from rectify_shared.enums import ClosureState
from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import (
    Closure,
    DispatchObligation,
    DispatchRound,
    Escalation,
    InspectionRound,
    Issue,
    Org,
    PetitionCase,
)
from rectify_shared.tree import subtree_bounds

from ..auth.principal import Scope

#: what the statements run on: a request's session, or the fast path's `ReadConnection`
Reads = AsyncSession | ReadConnection

_TOTAL = func.count().over().label("total")
_LIMIT = bindparam("limit", type_=Integer)
_PENDING = (ClosureState.applied.value, ClosureState.under_review.value, ClosureState.accepting.value)

_ORG = select(Org.id, Org.name, Org.path).where(Org.id == bindparam("org_id"))


async def org(reads: Reads, org_id: int) -> Any | None:
    """An org's id, name and path (unscoped: the caller checks what it may see)."""
    rows = await fetch(reads, _ORG, {"org_id": org_id})
    return rows[0] if rows else None


_OWED = (
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
        DispatchObligation.org_id == bindparam("org_id"),
        DispatchObligation.reported_at.is_(None),
        DispatchRound.opens_at <= bindparam("now"),
    )
    .order_by(DispatchRound.cutoff, DispatchRound.id)
    .limit(_LIMIT)
)


async def owed(reads: Reads, org_id: int, now: datetime, limit: int) -> Sequence[Any]:
    """(id, round_id, frequency, period, cutoff, total) of the dispatch rounds the org owes, by cutoff."""
    return await fetch(reads, _OWED, {"org_id": org_id, "now": now, "limit": limit})


#: a letter's columns as the to-do shows it (`service.letter_fields` reads them by position)
LETTER_COLUMNS: tuple[Any, ...] = (
    Escalation.id,
    Escalation.level,
    Escalation.state,
    Escalation.round_id,
    Escalation.issue_id,
    Escalation.measure_id,
    Escalation.closure_id,
    Escalation.dispatch_round_id,
    Escalation.petition_case_id,
    Escalation.addressed_org_id,
    Escalation.reason,
    Escalation.issued_on,
    Escalation.response_due,
)


def _letters(*where: Any) -> Any:
    """The first `limit` letters (due first, undated last, then id) and, in every row, how many
    match in all.

    The count is a subquery of its own, not a window over the matching rows: a window reads every
    matching letter's row before the first is returned (the office's proposed letters: all of the
    province's, read and sorted for ten). The page walks `ix_escalation_proposed_due` in its order
    and stops after `limit`; the count reads `ix_escalation_proposed_path` alone (index only)."""
    total = select(func.count()).select_from(Escalation).where(*where).correlate(None).scalar_subquery()
    return (
        select(*LETTER_COLUMNS, total.label("total"))
        .where(*where)
        .order_by(Escalation.response_due.asc().nulls_last(), Escalation.id)
        .limit(_LIMIT)
    )


_AWAITING_ANSWER = _letters(
    Escalation.addressed_org_id == bindparam("org_id"), Escalation.state == EscalationState.issued.value
)
_TO_ISSUE = _letters(
    Escalation.state == EscalationState.proposed.value,
    Escalation.org_path >= bindparam("scope_lo"),
    Escalation.org_path < bindparam("scope_hi"),
)
_TO_ISSUE_EXACT = _letters(
    Escalation.state == EscalationState.proposed.value, Escalation.org_path == bindparam("scope_path")
)


async def letters_awaiting_answer(reads: Reads, org_id: int, limit: int) -> Sequence[Any]:
    """`LETTER_COLUMNS` and the total of the letters addressed to the org that await its answer."""
    return await fetch(reads, _AWAITING_ANSWER, {"org_id": org_id, "limit": limit})


async def letters_to_issue(reads: Reads, scope: Scope, limit: int) -> Sequence[Any]:
    """`LETTER_COLUMNS` and the total of the letters the scan proposed in `scope`."""
    if scope.exact:
        return await fetch(reads, _TO_ISSUE_EXACT, {"scope_path": scope.path, "limit": limit})
    lo, hi = subtree_bounds(scope.path)
    return await fetch(reads, _TO_ISSUE, {"scope_lo": lo, "scope_hi": hi, "limit": limit})


_LEAD = func.coalesce(Issue.lead_org_id, PetitionCase.responsible_org_id, PetitionCase.locality_org_id)
_PENDING_CLOSURES = (
    select(
        Closure.id,
        Closure.issue_id,
        Closure.petition_case_id,
        Closure.state,
        Closure.levels,
        Closure.accepted_levels,
        Closure.applicant_org_id,
        Closure.applied_at,
        Closure.step_due,
        _LEAD.label("lead_org_id"),
    )
    .outerjoin(Issue, Issue.id == Closure.issue_id)
    .outerjoin(PetitionCase, PetitionCase.id == Closure.petition_case_id)
    .where(
        or_(*(Closure.state == s for s in _PENDING)),  # no IN list: `fetch` compiles it once
        or_(
            _LEAD == bindparam("org_id"),
            and_(Closure.org_path >= bindparam("org_lo"), Closure.org_path < bindparam("org_hi")),
            Closure.round_id.in_(
                select(InspectionRound.id).where(InspectionRound.office_org_id == bindparam("org_id")).scalar_subquery()
            ),
        ),
    )
    .order_by(Closure.step_due, Closure.id)
)


async def pending_closures(reads: Reads, org_id: int, org_path: str) -> Sequence[Any]:
    """Closures at the review or an acceptance step that may wait on the org, with their lead org:
    the org leads the task (the review), or the task is under the org (acceptors are the lead's
    ancestors), or the org is the round's office. Which step waits on whom is the workflow's rule
    (`reviewer_id`, the stored levels): the caller picks the org's own from these."""
    lo, hi = subtree_bounds(org_path)
    return await fetch(reads, _PENDING_CLOSURES, {"org_id": org_id, "org_lo": lo, "org_hi": hi})
