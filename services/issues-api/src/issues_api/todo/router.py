"""`GET /me/todo`: what the caller's org must do now, in one call for a screen."""

from typing import Annotated

from fastapi import APIRouter, Query

from ..auth.deps import LedgerReader
from ..core.dates import AsOf
from ..core.deps import SessionDep
from ..core.errors import errors
from . import service
from .schemas import Todo

router = APIRouter(prefix="/api/v1", tags=["todo"])


@router.get("/me/todo", response_model=Todo, responses=errors(404, 422))
async def get_todo(
    session: SessionDep,
    principal: LedgerReader,
    org_id: Annotated[
        int | None, Query(description="Office only: the to-do of this org in its subtree; default: your own org")
    ] = None,
    round_id: Annotated[
        int | None, Query(description="Measures of this inspection round only, warned on its policy's window")
    ] = None,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=50, description="Items per section, 1–50 (counts cover all)")] = 10,
) -> Todo:
    """待办: for your org (or, for the office, an org in its subtree) — dispatch reports owed (with
    their cutoff), letters awaiting its response, closure steps waiting on it (review, acceptance),
    its open measures overdue or due within the warning window; the office also sees the letters
    the scan proposed. Each section: `count` over all, and the first `limit` items."""
    # the route's JSON, written without a pydantic object (`service.answer_json`); the route still
    # declares its model: the document and the fast path read it
    return await service.todo(session, principal, org_id, round_id, as_of, limit)  # type: ignore[return-value]
