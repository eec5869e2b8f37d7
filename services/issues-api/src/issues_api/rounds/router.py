from fastapi import APIRouter, Response

from rectify_shared.document_settings import DocumentSettings

from ..auth.deps import LedgerReader, RoundsWriter
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from . import repository, service
from .schemas import RoundCreate, RoundRead

router = APIRouter(prefix="/api/v1/rounds", tags=["rounds"])


@router.get("", response_model=Page[RoundRead], responses=errors(422))
async def list_rounds(
    session: SessionDep, principal: LedgerReader, limit: Limit = 50, cursor: Cursor = None
) -> Page[RoundRead]:
    """Inspection rounds (督察轮次), oldest first."""
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await repository.list_page(session, principal, after_id=after, limit=limit)
    items, nxt = page_of(rows, limit, "id", lambda r: (r.id, r.id or 0))
    return Page[RoundRead](items=[RoundRead.model_validate(r) for r in items], next_cursor=nxt)


@router.get("/{round_id}", response_model=RoundRead, responses=errors(404))
async def get_round(round_id: int, session: SessionDep, principal: LedgerReader) -> RoundRead:
    rnd = await repository.get_visible(session, principal, round_id)
    if rnd is None:
        raise not_found("督察轮次", "Inspection round")
    return RoundRead.model_validate(rnd)


@router.post("", status_code=201, response_model=RoundRead, responses=errors(415, 422))
async def create_round(
    data: RoundCreate, session: SessionDep, principal: RoundsWriter, response: Response
) -> RoundRead:
    rnd = await service.create(session, principal, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/rounds/{rnd.id}"
    return RoundRead.model_validate(rnd)


@router.put("/{round_id}/document-settings", response_model=RoundRead, responses=errors(404, 415, 422))
async def put_round_document_settings(
    round_id: int, data: DocumentSettings, session: SessionDep, principal: RoundsWriter
) -> RoundRead:
    """Replace how the round's documents word a task's status (状态表述, e.g. 已经完成，长期坚持) and
    number its 方面 and measures (一、 / （一） / 1. …): the office keeping the round. The ledger and
    the progress report use them; a status left out keeps Rectify's word."""
    rnd = await service.put_document_settings(session, principal, round_id, data)
    await session.commit()
    return RoundRead.model_validate(rnd)
