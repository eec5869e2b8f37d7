from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from ..auth.deps import ExtensionsDecider, ExtensionsRequester, LedgerReader
from ..core.deps import SessionDep
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from . import service
from .schemas import ExtensionCreate, ExtensionDecision, ExtensionRead

router = APIRouter(prefix="/api/v1", tags=["extensions"])


@router.post(
    "/issues/{issue_id}/extension-requests",
    status_code=201,
    response_model=ExtensionRead,
    responses=errors(404, 409, 422),
)
async def request_extension(
    issue_id: int, data: ExtensionCreate, session: SessionDep, principal: ExtensionsRequester, response: Response
) -> ExtensionRead:
    """Ask for a later deadline (延期), before the deadline, with a reason and the proposed date."""
    row, issue = await service.request(session, issue_id, data, principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/issues/{issue_id}/extension-requests"
    return service.read(row, issue)


@router.get("/issues/{issue_id}/extension-requests", response_model=list[ExtensionRead], responses=errors(404))
async def list_extensions(issue_id: int, session: SessionDep, principal: LedgerReader) -> list[ExtensionRead]:
    """Every extension request of a task, oldest first."""
    rows, issue = await service.list_for_issue(session, issue_id, principal)
    return [service.read(r, issue) for r in rows]


@router.get("/extension-requests", response_model=Page[ExtensionRead], responses=errors(422))
async def list_extension_requests(
    session: SessionDep,
    principal: LedgerReader,
    state: Annotated[
        Literal["pending", "approved", "rejected"] | None, Query(description="pending: what the office has to decide")
    ] = None,
    round_id: int | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ExtensionRead]:
    """Extension requests of the problems the caller may see, newest first."""
    after = decode_cursor(cursor, "-id")[1] if cursor else None
    rows = await service.list_page(session, principal, state=state, round_id=round_id, after_id=after, limit=limit)
    items, nxt = page_of(rows, limit, "-id", lambda r: (r[0].id, r[0].id or 0))
    return Page[ExtensionRead](items=[service.read(e, issue) for e, issue in items], next_cursor=nxt)


@router.post("/extension-requests/{request_id}/approve", response_model=ExtensionRead, responses=errors(404, 409))
async def approve_extension(
    request_id: int, session: SessionDep, principal: ExtensionsDecider, data: ExtensionDecision | None = None
) -> ExtensionRead:
    """The office approves: the proposed date becomes the deadline; the original is kept."""
    row, issue = await service.decide(session, request_id, True, data.comment if data else None, principal)
    await session.commit()
    return service.read(row, issue)


@router.post("/extension-requests/{request_id}/reject", response_model=ExtensionRead, responses=errors(404, 409, 422))
async def reject_extension(
    request_id: int, data: ExtensionDecision, session: SessionDep, principal: ExtensionsDecider
) -> ExtensionRead:
    """The office refuses, with a comment; the deadline stays."""
    row, issue = await service.decide(session, request_id, False, data.comment, principal)
    await session.commit()
    return service.read(row, issue)
