from fastapi import APIRouter, Query, Response

from rectify_shared.enums import ClosureState

from ..auth.deps import ClosuresActor, ClosuresManager, LedgerReader
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from ..objections import service as objections
from ..orgs import repository as orgs
from . import repository, service
from .schemas import (
    AcceptBody,
    ClosureCreate,
    ClosureRead,
    ClosureSummary,
    DecisionBody,
    ObjectionCreate,
    PublicityBody,
    RejectBody,
    ReviewBody,
    WriteoffBody,
)
from .views import closure_read, summary

router = APIRouter(prefix="/api/v1/closures", tags=["closures"])

_ACT = errors(403, 404, 409, 422)


async def _done(session: SessionDep, closure_id: int, principal: Principal) -> ClosureRead:
    await session.commit()
    c = await repository.get(session, closure_id, principal.scope)
    assert c is not None
    return await closure_read(session, c, principal)


@router.post("", status_code=201, response_model=ClosureRead, responses=errors(404, 409, 422))
async def apply_for_closure(
    data: ClosureCreate, session: SessionDep, principal: ClosuresActor, response: Response
) -> ClosureRead:
    """The unit applies for 销号 with its completion statement and evidence (applying moves no status).
    A task rejected or reopened earlier applies again on the same closure (`under_review`)."""
    c = await service.apply(session, data, principal)
    assert c.id is not None
    response.headers["Location"] = f"/api/v1/closures/{c.id}"
    return await _done(session, c.id, principal)


@router.get("", response_model=Page[ClosureSummary], responses=errors(422))
async def list_closures(
    session: SessionDep,
    principal: LedgerReader,
    state: ClosureState | None = None,
    org_id: int | None = Query(default=None, description="closures of tasks led by this org or under it"),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ClosureSummary]:
    """Closures in your scope, oldest first."""
    org_path = None
    if org_id is not None:
        org = await orgs.get_visible(session, principal, org_id)
        if org is None:
            return Page[ClosureSummary](items=[], next_cursor=None)
        org_path = org.path
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await repository.list_page(session, principal.scope, state, org_path, after, limit)
    items = [summary(c) for c in rows[:limit]]
    nxt = encode_cursor("id", items[-1].id, items[-1].id) if len(rows) > limit else None
    return Page[ClosureSummary](items=items, next_cursor=nxt)


@router.get("/{closure_id}", response_model=ClosureRead, responses=errors(404))
async def get_closure(closure_id: int, session: SessionDep, principal: LedgerReader) -> ClosureRead:
    """A closure with every level, step, objection and its evidence."""
    c = await repository.get(session, closure_id, principal.scope)
    if c is None:
        raise not_found("销号申请", "Closure")
    return await closure_read(session, c, principal)


@router.post("/{closure_id}/review", response_model=ClosureRead, responses=_ACT)
async def review_closure(
    closure_id: int, data: ReviewBody, session: SessionDep, principal: ClosuresActor
) -> ClosureRead:
    """The lead unit reviews the application: approve → acceptance; refuse → back to the unit."""
    await service.review(session, closure_id, data, principal)
    return await _done(session, closure_id, principal)


@router.post("/{closure_id}/accept", response_model=ClosureRead, responses=_ACT)
async def accept_closure(
    closure_id: int, data: AcceptBody, session: SessionDep, principal: ClosuresActor
) -> ClosureRead:
    """One acceptance level accepts (验收; the levels come from the round's policy, default county →
    league). After the last level the issue becomes completed (or completed_long_term)."""
    await service.accept(session, closure_id, data, principal)
    return await _done(session, closure_id, principal)


@router.post("/{closure_id}/reject", response_model=ClosureRead, responses=_ACT)
async def reject_closure(
    closure_id: int, data: RejectBody, session: SessionDep, principal: ClosuresActor
) -> ClosureRead:
    """Send the application back to the unit with a reason (whoever holds the step, or the office)."""
    await service.reject(session, closure_id, data, principal)
    return await _done(session, closure_id, principal)


@router.post("/{closure_id}/publicity", response_model=ClosureRead, responses=_ACT)
async def start_publicity(
    closure_id: int, data: PublicityBody, session: SessionDep, principal: ClosuresManager
) -> ClosureRead:
    """Publish the accepted task for objections (公示); the end date is computed on the work calendar."""
    await service.start_publicity(session, closure_id, data, principal)
    return await _done(session, closure_id, principal)


@router.post("/{closure_id}/objections", status_code=201, response_model=ClosureRead, responses=_ACT)
async def record_objection(
    closure_id: int, data: ObjectionCreate, session: SessionDep, principal: ClosuresManager
) -> ClosureRead:
    """The office records an objection received during the notice (real name and contact required)."""
    await objections.file_by_office(session, closure_id, data, principal)
    return await _done(session, closure_id, principal)


@router.post("/{closure_id}/objections/{objection_id}/decision", response_model=ClosureRead, responses=_ACT)
async def decide_objection(
    closure_id: int, objection_id: int, data: DecisionBody, session: SessionDep, principal: ClosuresManager
) -> ClosureRead:
    """Upheld: the task goes back to in_progress with the reason (closure `reopened`). Dismissed: noted."""
    await objections.decide(session, closure_id, objection_id, data, principal)
    return await _done(session, closure_id, principal)


@router.post("/{closure_id}/writeoff", response_model=ClosureRead, responses=_ACT)
async def write_off(
    closure_id: int, session: SessionDep, principal: ClosuresManager, data: WriteoffBody | None = None
) -> ClosureRead:
    """销号: after the notice ends with no objection pending or upheld; the issue becomes closed and the
    upper level is informed (event `closure.written_off`, webhooks)."""
    await service.write_off(session, closure_id, data.comment if data else None, principal)
    return await _done(session, closure_id, principal)
