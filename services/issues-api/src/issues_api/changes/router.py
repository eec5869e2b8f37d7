"""The change feed a provincial system pulls: every ledger change in commit order, resumable."""

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

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
    aggregate_id: int
    occurred_at: datetime
    data: dict[str, Any]


class ChangePage(BaseModel):
    items: list[Change]
    next_cursor: str | None = Field(
        description="Pass as `after` to resume; stays the same when nothing new has come. "
        "Null only when the feed is empty and no cursor was given."
    )


def _encode(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("p"):
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
        str | None, Query(description="Cursor from a previous page; omit to start at the beginning")
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
    items = [
        Change(
            position=r.position or 0,
            id=str(r.id),
            type=r.event_type,
            aggregate_type=r.aggregate_type,
            aggregate_id=r.aggregate_id,
            occurred_at=r.created_at,
            data=r.payload,
        )
        for r in rows
    ]
    nxt = _encode(items[-1].position) if items else after
    return ChangePage(items=items, next_cursor=nxt)
