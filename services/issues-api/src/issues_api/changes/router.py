"""The change feed a provincial system pulls: every ledger change in commit order, resumable."""

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from rectify_shared.ids import js_safe
from rectify_shared.models import OutboxEvent

from ..auth.deps import ChangesReader
from ..core.deps import SessionDep
from ..core.errors import ApiError, errors

router = APIRouter(prefix="/api/v1", tags=["changes"])


class Change(BaseModel):
    position: int = Field(description="Commit-order position in the feed")
    id: str = Field(description="Event id; the same id the notifier and webhooks see")
    type: str = Field(examples=["issue.status_changed"])
    aggregate_type: str = Field(examples=["issue"])
    aggregate_id: str = Field(description="The changed row's id, as a string (a progress report's is 63-bit)")
    occurred_at: datetime
    data: dict[str, Any] = Field(description="The event's payload; integers beyond 2⁵³−1 in it are strings")


class ChangePage(BaseModel):
    items: list[Change]
    next_cursor: str | None = Field(
        description="Pass as `after` to resume. Unlike the other lists it is never null once the feed has "
        "an event: when you have caught up it is the cursor you sent, so poll again later with it (an empty "
        "`items` means caught up; do not loop without a pause). Null only when the feed is empty and no "
        "cursor was given. / 续读游标：追上后仍返回原游标，稍后再用它轮询。"
    )


#: base64url of "p<position>", unpadded
CURSOR_PATTERN = "^[A-Za-z0-9_-]{2,40}$"


async def _head(session: Any) -> int:
    """The last position the relay has given (0 for an empty feed), over the whole feed."""
    return int((await session.execute(select(func.max(OutboxEvent.position)))).scalar() or 0)


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("p") or not raw[1:].isdigit() or len(raw) > 20:
            raise ValueError(raw)
        return int(raw[1:])
    except ValueError as exc:
        raise ApiError(
            422,
            "invalid_cursor",
            "变更游标无效",
            "Invalid change-feed cursor",
            [{"field": "query.after", "reason": "malformed"}],
        ) from exc


@router.get("/changes", response_model=ChangePage, responses=errors(422))
async def changes(
    session: SessionDep,
    principal: ChangesReader,
    after: Annotated[
        str | None,
        Query(
            description="Cursor from a previous page's `next_cursor`; omit to start at the beginning. "
            "A cursor beyond the feed's head (one this server never gave) is a 422.",
            pattern=CURSOR_PATTERN,
            max_length=40,
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ChangePage:
    """Ledger changes in the caller's subtree (by the changed row's org), in commit order.
    A change appears here once the outbox relay has
    positioned it (normally within a fraction of a second of its commit)."""
    start = _decode(after) if after else 0
    rows = (
        (
            await session.execute(
                select(OutboxEvent)
                .where(
                    OutboxEvent.position > start,
                    OutboxEvent.in_feed.is_(True),
                    principal.scope.clause(OutboxEvent.org_path),
                )
                .order_by(OutboxEvent.position)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    # a forged cursor past the head would skip the events still to come: checked only when the
    # page is empty (a page with events is one query)
    if not rows and start and start > await _head(session):
        raise ApiError(
            422,
            "invalid_cursor",
            "变更游标超出变更流的末尾（不是本服务给出的游标）",
            "The cursor is beyond the head of the change feed (not one this server gave)",
            [{"field": "query.after", "reason": "beyond_head"}],
        )
    items = [
        Change(
            position=r.position or 0,
            id=str(r.id),
            type=r.event_type,
            aggregate_type=r.aggregate_type,
            aggregate_id=str(r.aggregate_id),
            occurred_at=r.created_at,
            data=js_safe(r.payload),
        )
        for r in rows
    ]
    nxt = _encode(items[-1].position) if items else after
    return ChangePage(items=items, next_cursor=nxt)
