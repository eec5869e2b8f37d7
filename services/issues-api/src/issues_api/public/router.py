"""The public notice pages (公示): readable without an account; objections filed with a real name
and a contact, rate-limited per client address. Everything else stays behind authentication."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import HOW_TO_OBJECT, days_text, period_text, task_number
from rectify_shared.enums import ClosureState
from rectify_shared.models import Closure, InspectionRound, Issue, Org
from rectify_shared.timezone import today
from rectify_shared.titles import document_title

from ..auth.deps import client_addr
from ..closures import repository as closures
from ..closures.schemas import ObjectionCreate
from ..core.deps import SessionDep, get_state
from ..core.error_catalogue import TOO_MANY_REQUESTS
from ..core.errors import ApiError, errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from ..issues import repository as issues
from ..objections import service as objections
from . import pages, pow
from .schemas import ObjectionReceipt, PublicContact, PublicNotice

router = APIRouter(prefix="/public", tags=["public notices"])
#: a GET below answers a browser (Accept: text/html first) with the page, JSON clients with JSON
HTML = {"text/html": {"schema": {"type": "string"}, "example": "<!doctype html>…"}}


def _or_page(*codes: int) -> dict[int | str, dict[str, object]]:
    """Errors a GET answers in the envelope (JSON) or, to a browser, as a page."""
    return {
        code: {**response, "content": HTML} if code in codes else response for code, response in errors(*codes).items()
    }


async def _throttle(request: Request, bucket: str) -> None:
    state = get_state(request)
    limiter = state.public_limiter if bucket == "objection" else state.rate_limiter
    if limiter is not None and not await limiter.hit(f"{bucket}:{client_addr(request) or 'unknown'}"):
        raise TOO_MANY_REQUESTS.error(
            message="提交过于频繁，请稍后再试",
            message_en="Too many requests from your address; try again later",
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
    # the issuing org: the one chosen for this notice, else the round's org (who signs the document)
    issuer = await session.get(Org, c.publicity_issuer_org_id or rnd.org_id)
    return PublicNotice(
        id=c.id,
        title=document_title("closure_notice", rnd.name),
        round_name=rnd.name,
        issue_seq=issue.seq,
        display_no=issue.display_no,
        task_number=task_number(issue.seq, issue.display_no),
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
        days_text=days_text(
            c.publicity_days, c.publicity_day_kind, c.publicity_days_shown, c.publicity_start, c.publicity_end
        ),
        medium=c.publicity_medium or "",
        contact=c.publicity_contact or "",
        contacts=[PublicContact(**line) for line in c.publicity_contacts or []],
        issuer=issuer.name if issuer else "",
        how_to_object=HOW_TO_OBJECT,
    )


@router.get(
    "/notices", response_model=Page[PublicNotice], responses={200: {"content": HTML}, **_or_page(429), **errors(422)}
)
async def list_notices(
    request: Request, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[PublicNotice] | HTMLResponse:
    """Notices running today. No account needed. A browser (`Accept: text/html`) gets the page."""
    html = pages.wants_html(request)
    try:
        await _throttle(request, "read")
    except ApiError as exc:
        if html:
            return _busy_page(request, exc)
        raise
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await closures.public_page(session, today(), after, limit)
    items = []
    for row in rows[:limit]:
        c = await session.get(Closure, row.id)
        assert c is not None
        items.append(await _notice(session, c))
    nxt = encode_cursor("id", items[-1].id, items[-1].id) if len(rows) > limit else None
    if html:
        return pages.list_page(request, items, nxt)
    return Page[PublicNotice](items=items, next_cursor=nxt)


@router.get(
    "/notices/{closure_id}", response_model=PublicNotice, responses={200: {"content": HTML}, **_or_page(404, 429)}
)
async def get_notice(closure_id: int, request: Request, session: SessionDep) -> PublicNotice | HTMLResponse:
    """One running notice. Notices not (or no longer) running are 404 here. A browser
    (`Accept: text/html`) gets the page, with the objection form."""
    html = pages.wants_html(request)
    try:
        await _throttle(request, "read")
    except ApiError as exc:
        if html:
            return _busy_page(request, exc)
        raise
    c = await session.get(Closure, closure_id)
    if c is None or not _running(c):
        if html:
            return _gone_page(request)
        raise not_found("公示", "Notice")
    notice = await _notice(session, c)
    if html:
        return _form_page(request, notice)
    return notice


def _busy_page(request: Request, exc: ApiError) -> HTMLResponse:
    return pages.message_page(
        request,
        heading="请稍后再试",
        message=f"{exc.message}（{exc.message_en}）",
        status_code=exc.status,
        headers=dict(exc.headers or {}),
    )


def _gone_page(request: Request) -> HTMLResponse:
    return pages.message_page(
        request,
        heading="公示不存在或已结束",
        message="该事项不在公示期内。请返回列表查看正在公示的事项。",
        status_code=404,
    )


def _form_page(request: Request, notice: PublicNotice, status_code: int = 200, **kwargs: object) -> HTMLResponse:
    settings = get_state(request).settings
    challenge = pow.issue(get_state(request).jwt_secret, notice.id)
    return pages.notice_page(
        request,
        notice,
        challenge=challenge,
        bits=settings.public_pow_bits,
        status_code=status_code,
        **kwargs,  # type: ignore[arg-type]
    )


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


#: a field's message beside it on the form, whatever pydantic said
FIELD_HELP = {
    "name": "请填写实名（2至50个字） / Your real name, 2 to 50 characters",
    "contact": "请填写联系电话或地址（5至100个字） / A phone number or an address, 5 to 100 characters",
    "content": "请填写异议内容（不超过5000字） / The objection, up to 5,000 characters",
}


@router.post(
    "/notices/{closure_id}/objections/form",
    status_code=201,
    response_class=HTMLResponse,
    responses={
        201: {"content": HTML, "description": "the acknowledgement page"},
        404: {"content": HTML, "description": "the notice is not running"},
        422: {
            "content": {**HTML, "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
            "description": "the form again, with each field's message and the input kept (HTML); a field past "
            "its size limit before the form is read: the error envelope (JSON)",
        },
        429: {"content": HTML, "description": "too many objections from this address (Retry-After)"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "example": {
                        "name": "张三",
                        "contact": "13800000000",
                        "content": "该处渗滤液仍有外溢。",
                        "pow_challenge": "2.1796000000.9f2c4e1a7b3d5e60.4be2…",
                        "pow_nonce": "48213",
                    }
                }
            }
        }
    },
)
async def object_with_form(
    closure_id: int,
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    contact: Annotated[str, Form(max_length=400)] = "",
    content: Annotated[str, Form(max_length=20000)] = "",
    pow_challenge: Annotated[str, Form(max_length=200)] = "",
    pow_nonce: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """The notice page's objection form (HTML in, HTML out): the same objection as
    `POST …/objections`, with the page's proof of work (`pow_challenge`, `pow_nonce`: see README)."""
    c = await session.get(Closure, closure_id)
    if c is None or not _running(c):
        return _gone_page(request)
    notice = await _notice(session, c)
    state = get_state(request)
    form = {"name": name, "contact": contact, "content": content}
    try:
        data = ObjectionCreate(name=name, contact=contact, content=content)
    except ValidationError as exc:
        fields = {
            str(e["loc"][0]): FIELD_HELP[str(e["loc"][0])]
            for e in exc.errors()
            if e["loc"] and e["loc"][0] in FIELD_HELP
        }
        error = (
            "请检查所填内容 / Please check the form"
            if fields
            else "须填写实名、联系方式和异议内容 / Name, contact and content are required"
        )
        return _form_page(request, notice, 422, error=error, field_errors=fields, form=form)
    bits = state.settings.public_pow_bits
    why = pow.check(state.jwt_secret, pow_challenge, pow_nonce, closure_id, bits) if bits else None
    if why is None and bits and state.pow_seen is not None and not await state.pow_seen.hit(pow_challenge):
        why = "该页面已提交过，请刷新页面后再提交 / This page was already submitted; reload it to submit again"
    if why is not None:
        return _form_page(request, notice, 422, error=why, form=form)
    try:
        await _throttle(request, "objection")
    except ApiError as exc:
        return _busy_page(request, exc)
    row = await objections.file_public(session, closure_id, data, client_addr(request))
    await session.commit()
    return pages.message_page(
        request,
        heading="异议已收到",
        message="您的异议已提交，我们将核实后通过您留下的联系方式与您联系。",
        status_code=201,
        ok=True,
        reference=f"YY{row.id}",
        back_url=pages.notice_url(request, closure_id),
        back_text="返回公示",
    )
