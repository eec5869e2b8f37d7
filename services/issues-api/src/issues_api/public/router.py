"""The public notice pages (公示): readable without an account; objections filed with a real name
and a contact, rate-limited per client address. Everything else stays behind authentication."""

from fastapi import APIRouter, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import HOW_TO_OBJECT, period_text
from rectify_shared.enums import ClosureState
from rectify_shared.models import Closure, InspectionRound, Issue, Org
from rectify_shared.timezone import today
from rectify_shared.titles import document_title

from ..auth.deps import client_addr
from ..closures import repository as closures
from ..closures.schemas import ObjectionCreate
from ..core.deps import SessionDep, get_state
from ..core.errors import ApiError, errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from ..issues import repository as issues
from ..objections import service as objections
from .schemas import ObjectionReceipt, PublicNotice

router = APIRouter(prefix="/public", tags=["public notices"])


async def _throttle(request: Request, bucket: str) -> None:
    state = get_state(request)
    limiter = state.public_limiter if bucket == "objection" else state.rate_limiter
    if limiter is not None and not await limiter.hit(f"{bucket}:{client_addr(request) or 'unknown'}"):
        raise ApiError(
            429,
            "too_many_requests",
            "提交过于频繁，请稍后再试",
            "Too many requests from your address; try again later",
            headers={"Retry-After": str(limiter.retry_after_seconds)},
        )


def _running(c: Closure | None) -> bool:
    d = today()
    return (
        c is not None
        and c.issue_id is not None  # a petition case's closure has no public notice page
        and c.state == ClosureState.in_publicity
        and c.publicity_start is not None
        and c.publicity_end is not None
        and c.publicity_start <= d <= c.publicity_end
    )


async def _notice(session: AsyncSession, c: Closure) -> PublicNotice:
    assert c.id is not None and c.publicity_start is not None and c.publicity_end is not None
    issue = await session.get(Issue, c.issue_id)
    rnd = await session.get(InspectionRound, c.round_id)
    assert issue is not None and rnd is not None and issue.id is not None
    links = (await issues.orgs_of(session, [issue.id])).get(issue.id, [])
    lead = await session.get(Org, issue.lead_org_id)
    return PublicNotice(
        id=c.id,
        title=document_title("closure_notice", rnd.name),
        round_name=rnd.name,
        issue_seq=issue.seq,
        description=issue.description,
        goal=issue.goal,
        lead_org=lead.name if lead else "",
        responsible_orgs=[name for role, _, name in links if role == "responsible"],
        statement=c.statement,
        start=c.publicity_start,
        end=c.publicity_end,
        days=c.publicity_days or 0,
        day_kind=c.publicity_day_kind or "working",
        period_text=period_text(c.publicity_start, c.publicity_end),
        medium=c.publicity_medium or "",
        contact=c.publicity_contact or "",
        how_to_object=HOW_TO_OBJECT,
    )


@router.get("/notices", response_model=Page[PublicNotice], responses=errors(422, 429))
async def list_notices(
    request: Request, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[PublicNotice]:
    """Notices running today. No account needed."""
    await _throttle(request, "read")
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await closures.public_page(session, today(), after, limit)
    items = []
    for row in rows[:limit]:
        c = await session.get(Closure, row.id)
        assert c is not None
        items.append(await _notice(session, c))
    nxt = encode_cursor("id", items[-1].id, items[-1].id) if len(rows) > limit else None
    return Page[PublicNotice](items=items, next_cursor=nxt)


@router.get("/notices/{closure_id}", response_model=PublicNotice, responses=errors(404, 429))
async def get_notice(closure_id: int, request: Request, session: SessionDep) -> PublicNotice:
    """One running notice. Notices not (or no longer) running are 404 here."""
    await _throttle(request, "read")
    c = await session.get(Closure, closure_id)
    if c is None or not _running(c):
        raise not_found("公示", "Notice")
    return await _notice(session, c)


@router.post(
    "/notices/{closure_id}/objections",
    status_code=201,
    response_model=ObjectionReceipt,
    responses=errors(404, 409, 422, 429),
)
async def object_to_notice(
    closure_id: int, data: ObjectionCreate, request: Request, session: SessionDep, response: Response
) -> ObjectionReceipt:
    """File an objection during the notice, with your real name and a contact. Rate-limited per address."""
    await _throttle(request, "objection")
    row = await objections.file_public(session, closure_id, data, client_addr(request))
    await session.commit()
    assert row.id is not None
    return ObjectionReceipt(
        objection_id=row.id,
        notice_id=closure_id,
        message="异议已收到，我们将核实后与您联系",
        message_en="Your objection was received; the office will verify it and contact you",
    )
