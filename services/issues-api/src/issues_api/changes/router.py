"""The change feed a provincial system pulls: every ledger change in commit order, resumable."""

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlmodel import col

from rectify_shared.ids import js_safe
from rectify_shared.models import OutboxEvent

from ..auth.deps import ChangesReader
from ..auth.principal import Scope
from ..core import signed_links
from ..core.deps import SessionDep, StateDep, get_state
from ..core.errors import errors
from . import stream
from .errors import INVALID_CURSOR, TOO_MANY_STREAMS

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
        raise INVALID_CURSOR.error(
            message="变更游标无效",
            message_en="Invalid change-feed cursor",
            details=[{"field": "query.after", "reason": "malformed"}],
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
                    col(OutboxEvent.position) > start,
                    col(OutboxEvent.in_feed).is_(True),
                    principal.scope.clause(OutboxEvent.org_path),
                )
                .order_by(col(OutboxEvent.position))
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    # a forged cursor past the head would skip the events still to come: checked only when the
    # page is empty (a page with events is one query)
    if not rows and start and start > await _head(session):
        raise INVALID_CURSOR.error(details=[{"field": "query.after", "reason": "beyond_head"}])
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


_STREAM_DOC = (
    "Server-Sent Events (`text/event-stream`): each event's `id` is its feed position and its `data` a "
    "`Change` (as in `/changes`); `: ping` comments every 15 s keep proxies open. Resume with the "
    "`Last-Event-ID` header (a browser's EventSource sends it by itself; from `/changes`: an item's "
    "`position`); without it, only events from now on. At most "
    f"{stream.MAX_STREAMS_PER_CALLER} open streams per caller by default (RECTIFY_STREAMS_PER_CALLER; more: 429)."
)
#: one event of the stream, as an SSE parser gives it (what OpenAPI 3.2 calls the `itemSchema` of a
#: sequential media type; schemathesis checks each event against it)
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The event's feed position"},
        "event": {"type": "string", "description": "Not sent: every event is a `message`"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/Change"},
            "description": "A `Change` as JSON",
        },
        "retry": {"type": "integer"},
    },
}
_STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
        "description": "The stream: `id: <position>` and `data: <Change as JSON>` per event",
    },
}
#: what a Last-Event-ID holds: a feed position (empty: none)
LastEventId = Annotated[
    str,
    Header(
        pattern=r"^([0-9]{1,18})?$",
        description="The `id` of the last event received (a feed position): the stream resumes after it",
    ),
]


def _tail(request: Request) -> stream.FeedTail:
    tail: stream.FeedTail | None = getattr(request.app.state, "feed_tail", None)
    if tail is None:
        state = get_state(request)
        tail = stream.FeedTail(state.read_sessions, per_caller=state.settings.streams_per_caller)
        request.app.state.feed_tail = tail
    return tail


async def _open_stream(request: Request, scope: Scope, caller: str, last_event_id: str) -> StreamingResponse:
    state = get_state(request)
    start = int(last_event_id) if last_event_id else None
    async with state.read_sessions() as session:  # a short session: the stream itself holds none
        top = await _head(session)
    if start is None:
        start = top
    elif start > top:
        raise INVALID_CURSOR.error(
            message="续读位置超出变更流的末尾（不是本服务给出的编号）",
            message_en="The resume position is beyond the head of the change feed (not one this server gave)",
            details=[{"field": "header.last-event-id", "reason": "beyond_head"}],
        )
    tail = _tail(request)
    if not tail.open(caller):
        raise TOO_MANY_STREAMS.error(tail_per_caller=tail.per_caller, headers={"Retry-After": "5"})
    body = stream.events(tail, scope, start, caller, state.settings.db_app_role)
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/changes/stream",
    response_class=StreamingResponse,
    responses={**_STREAM_RESPONSES, **errors(422, 429)},
    description=_STREAM_DOC,
)
async def stream_changes(
    request: Request,
    session: SessionDep,
    principal: ChangesReader,
    last_event_id: LastEventId = "",
) -> StreamingResponse:
    """Live changes in the caller's subtree, pushed as they are positioned (Bearer header)."""
    await session.close()  # authenticated: give the connection back before the long wait
    caller = f"{principal.kind}:{principal.id}"
    return await _open_stream(request, principal.scope, caller, last_event_id)


@router.post("/changes/stream/link", response_model=signed_links.SignedLink, responses=errors(422))
async def stream_link(
    request: Request,
    state: StateDep,
    principal: ChangesReader,
    minutes: signed_links.Minutes = signed_links.DEFAULT_MINUTES,
) -> signed_links.SignedLink:
    """A short-lived URL of your change stream for a browser's EventSource (which cannot send an
    Authorization header), bound to your scope. It must be opened before it expires; an open
    stream stays open."""
    token, expires = signed_links.sign(state.jwt_secret, "changes", principal.id, principal, minutes)
    return signed_links.link(request, "/api/v1/changes/stream/signed", token, expires)


@router.get(
    "/changes/stream/signed",
    response_class=StreamingResponse,
    responses={**_STREAM_RESPONSES, **errors(403, 422, 429)},
    description=_STREAM_DOC,
)
async def stream_changes_signed(
    request: Request,
    state: StateDep,
    token: signed_links.Token,
    last_event_id: LastEventId = "",
) -> StreamingResponse:
    """The change stream through a signed link (no Authorization header): 403 when forged or expired."""
    grant = signed_links.verify(state.jwt_secret, "changes", None, token)
    return await _open_stream(request, grant.scope, f"signed:{grant.id}:{grant.scope.path}", last_event_id)
