from typing import Annotated

from fastapi import APIRouter, Query, Response

from ..auth.deps import DispatchWriter, LedgerReader
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from . import repository, service
from .schemas import DispatchRoundCreate, DispatchRoundDetail, DispatchRoundRead, Obligation

router = APIRouter(prefix="/api/v1/dispatch-rounds", tags=["dispatch"])


def _read(d, owed: int, reported: int) -> DispatchRoundRead:  # type: ignore[no-untyped-def]
    return DispatchRoundRead(
        id=d.id,
        round_id=d.round_id,
        frequency=d.frequency,
        period=d.period,
        opens_at=d.opens_at,
        cutoff=d.cutoff,
        org_id=d.org_id,
        created_by=d.created_by,
        owed=owed,
        reported=reported,
        missing=owed - reported,
    )


@router.post("", status_code=201, response_model=DispatchRoundDetail, responses=errors(409, 415, 422))
async def open_dispatch_round(
    data: DispatchRoundCreate, principal: DispatchWriter, session: SessionDep, response: Response
) -> DispatchRoundDetail:
    """Open a weekly or monthly dispatch round (调度): every responsible unit with open work owes a
    progress report by the cutoff; a unit that misses it is an escalation trigger."""
    dispatch = await service.open_round(session, principal, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/dispatch-rounds/{dispatch.id}"
    return await _detail(session, principal, dispatch.id or 0)


@router.get("", response_model=Page[DispatchRoundRead], responses=errors(422))
async def list_dispatch_rounds(
    principal: LedgerReader,
    session: SessionDep,
    round_id: Annotated[int | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DispatchRoundRead]:
    """Dispatch rounds, newest first, with how many units owe, reported and are missing."""
    after = decode_cursor(cursor, "-id")[1] if cursor else None
    rows = await repository.list_page(session, principal.scope, round_id, after, limit)
    items, nxt = page_of(rows, limit, "-id", lambda r: (r[0].id, r[0].id or 0))
    return Page[DispatchRoundRead](items=[_read(r[0], r.owed, r.reported) for r in items], next_cursor=nxt)


async def _detail(session: SessionDep, principal: LedgerReader, dispatch_id: int) -> DispatchRoundDetail:
    dispatch = await repository.get_visible(session, principal.scope, dispatch_id)
    if dispatch is None:
        raise not_found("调度", "Dispatch round")
    rows = await repository.obligations(session, dispatch_id, principal.scope)
    obligations = [
        Obligation(
            org_id=o.org_id,
            org_name=name,
            reported=o.reported_at is not None,
            reported_at=o.reported_at,
            late=o.reported_at is not None and o.reported_at > dispatch.cutoff,
            progress_report_id=str(o.progress_report_id) if o.progress_report_id else None,
        )
        for o, name in rows
    ]
    done = sum(1 for o in obligations if o.reported)
    return DispatchRoundDetail(**_read(dispatch, len(obligations), done).model_dump(), obligations=obligations)


@router.get("/{dispatch_id}", response_model=DispatchRoundDetail, responses=errors(404))
async def get_dispatch_round(dispatch_id: int, principal: LedgerReader, session: SessionDep) -> DispatchRoundDetail:
    """Who reported and who did not (missing first)."""
    return await _detail(session, principal, dispatch_id)
