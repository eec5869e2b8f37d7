"""The in-app inbox (tag `notifications`)."""

from fastapi import APIRouter

from ..auth.deps import Self
from ..core.deps import SessionDep
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page
from . import service
from .schemas import InboxItem

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/inbox", response_model=Page[InboxItem], responses=errors(422))
async def inbox(
    principal: Self, session: SessionDep, unread: bool = False, limit: Limit = 50, cursor: Cursor = None
) -> Page[InboxItem]:
    """The signed-in user's messages, newest first."""
    return await service.list_page(session, principal, unread, limit, cursor)


@router.post("/inbox/{message_id}/read", status_code=204, responses=errors(404))
async def mark_read(message_id: str, principal: Self, session: SessionDep) -> None:
    await service.mark_read(session, principal, message_id)


@router.post("/inbox/read-all", status_code=204)
async def mark_all_read(principal: Self, session: SessionDep) -> None:
    await service.mark_all_read(session, principal)
