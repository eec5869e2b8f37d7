"""Webhook subscriptions, the in-app inbox, the delivery log, message templates and the event catalogue.

Deliveries are made by the notifier; here people look at them and ask for a retry.
"""

from datetime import datetime
from typing import Annotated

import jinja2
from fastapi import APIRouter, Path, Query, Request, Response
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select, update

from rectify_shared.delivery_states import DeliveryState, may_retry
from rectify_shared.events import CATALOGUE, EVENT_TYPES, new_webhook_secret, payload_schema
from rectify_shared.models import Delivery, DeliveryReceipt, InboxMessage, MessageTemplate, Org, WebhookSubscription
from rectify_shared.models.types import utcnow
from rectify_shared.outbound import BlockedTarget, allow_networks, check_url

from ..audit.writer import record_audit
from ..auth.deps import DeliveriesManager, Self, TemplatesManager, WebhooksManager
from ..core.deps import SessionDep, get_state
from ..core.errors import ApiError, errors, invalid, not_found
from ..core.pagination import Cursor, Limit, Page, after_key, decode_cursor, page_of
from ..receipts.service import receipts_for
from .ownership import managed_by, may_manage
from .schemas import (
    DeliveryRead,
    EventType,
    InboxItem,
    TemplatePut,
    TemplateRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)

router = APIRouter(prefix="/api/v1", tags=["notifications"])
#: channels an office may word: 企业微信/钉钉 messages to users, and the org group robots
CHANNELS = ("email", "sms", "inbox", "wecom", "dingtalk", "wecom_bot", "ding_bot")


def _webhook(w: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=w.id or 0,
        url=w.url,
        event_types=w.event_types,
        org_id=w.org_id,
        owner=w.owner,
        active=w.active,
        created_at=w.created_at,
    )


@router.get("/event-types", response_model=list[EventType])
async def event_types(principal: WebhooksManager) -> list[EventType]:
    """The event catalogue (webhooks and the change feed), each type with its payload's JSON Schema.
    Envelope: {"id", "type", "timestamp", "data"}."""
    return [EventType(type=t, description=s.description, schema_=payload_schema(t)) for t, s in CATALOGUE.items()]


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, responses=errors(415, 422))
async def create_webhook(
    data: WebhookCreate, principal: WebhooksManager, session: SessionDep, response: Response, request: Request
) -> WebhookCreated:
    """Subscribe a URL to event types. Deliveries are signed (Standard Webhooks: `webhook-id`,
    `webhook-timestamp`, `webhook-signature`) with the `secret`, shown only in this response.
    The URL must resolve to public addresses (or to networks the operator allowed)."""
    try:
        await check_url(str(data.url), allow_networks(get_state(request).settings.webhook_allow_networks))
    except BlockedTarget as exc:
        raise invalid("body.url", str(exc), "不允许的回调地址（内网、回环或无法解析）", f"URL refused: {exc}") from exc
    org = await session.get(Org, data.org_id if data.org_id is not None else principal.org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise invalid(
            "body.org_id", "no such org in your scope", "单位不存在或不在管辖范围内", "Org does not exist in your scope"
        )
    sub = WebhookSubscription(
        url=str(data.url),
        secret=new_webhook_secret(),
        event_types=data.event_types,
        org_id=org.id or 0,
        org_path=org.path,
        owner=principal.name,
    )
    session.add(sub)
    await session.flush()
    await record_audit(
        session,
        principal,
        "webhook.created",
        "webhook_subscription",
        sub.id or 0,
        before=None,
        after={"url": sub.url, "event_types": sub.event_types, "org_id": sub.org_id},
        org_path=org.path,
    )
    await session.commit()
    response.headers["Location"] = f"/api/v1/webhooks/{sub.id}"
    return WebhookCreated(**_webhook(sub).model_dump(), secret=sub.secret)


@router.get("/webhooks", response_model=Page[WebhookRead], responses=errors(422))
async def list_webhooks(
    principal: WebhooksManager, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[WebhookRead]:
    after = decode_cursor(cursor, "id")[1] if cursor else None
    stmt = select(WebhookSubscription).where(managed_by(principal))
    if after is not None:
        stmt = stmt.where(WebhookSubscription.id > after)
    rows = (await session.execute(stmt.order_by(WebhookSubscription.id).limit(limit + 1))).scalars().all()
    items, nxt = page_of(rows, limit, "id", lambda w: (w.id, w.id or 0))
    return Page[WebhookRead](items=[_webhook(w) for w in items], next_cursor=nxt)


@router.post("/webhooks/{webhook_id}/disable", response_model=WebhookRead, responses=errors(404))
async def disable_webhook(webhook_id: int, principal: WebhooksManager, session: SessionDep) -> WebhookRead:
    sub = await session.get(WebhookSubscription, webhook_id)
    if sub is None or not may_manage(principal, sub):
        raise not_found("订阅", "Webhook subscription")
    if sub.active:
        sub.active, sub.disabled_at = False, utcnow()
        await record_audit(
            session,
            principal,
            "webhook.disabled",
            "webhook_subscription",
            sub.id or 0,
            before={"active": True},
            after={"active": False},
            org_path=sub.org_path,
        )
        await session.commit()
    return _webhook(sub)


@router.get("/inbox", response_model=Page[InboxItem], responses=errors(422))
async def inbox(
    principal: Self, session: SessionDep, unread: bool = False, limit: Limit = 50, cursor: Cursor = None
) -> Page[InboxItem]:
    """The signed-in user's messages, newest first."""
    stmt = select(InboxMessage).where(InboxMessage.user_id == (principal.id if principal.kind == "user" else -1))
    if unread:
        stmt = stmt.where(InboxMessage.read_at.is_(None))
    if cursor:
        value, row_id = decode_cursor(cursor, "-created_at")
        at = datetime.fromisoformat(value)
        stmt = stmt.where(after_key(InboxMessage.created_at, InboxMessage.id, at, row_id, desc=True))
    rows = (
        (await session.execute(stmt.order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(limit + 1)))
        .scalars()
        .all()
    )
    items, nxt = page_of(rows, limit, "-created_at", lambda m: (m.created_at.isoformat(), m.id))
    return Page[InboxItem](
        items=[
            InboxItem(
                id=str(m.id),
                created_at=m.created_at,
                event_type=m.event_type,
                title=m.title,
                body=m.body,
                link=m.link,
                read=m.read_at is not None,
            )
            for m in items
        ],
        next_cursor=nxt,
    )


def _is_id(text: str) -> bool:
    """ASCII digits only, within a BIGINT: `"²".isdigit()` is true, yet `int("²")` fails."""
    return text.isascii() and text.isdigit() and len(text) <= 18


@router.post("/inbox/{message_id}/read", status_code=204, responses=errors(404))
async def mark_read(message_id: str, principal: Self, session: SessionDep) -> None:
    if not _is_id(message_id):
        raise not_found("消息", "Message")
    result = await session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == int(message_id), InboxMessage.user_id == principal.id, principal.kind == "user")
        .values(read_at=utcnow())
    )
    if not result.rowcount:
        raise not_found("消息", "Message")
    await session.commit()


@router.post("/inbox/read-all", status_code=204)
async def mark_all_read(principal: Self, session: SessionDep) -> None:
    await session.execute(
        update(InboxMessage)
        .where(InboxMessage.user_id == principal.id, InboxMessage.read_at.is_(None), principal.kind == "user")
        .values(read_at=utcnow())
    )
    await session.commit()


def _delivery(d: Delivery, receipt: DeliveryReceipt | None = None) -> DeliveryRead:
    excluded = {"id", "body", "payload", "receipt", "org_path", "event_month", "idempotency_key", "digest_id"}
    read = DeliveryRead(
        **{**d.model_dump(exclude=excluded), "id": str(d.id), "digest_id": str(d.digest_id) if d.digest_id else None}
    )
    if receipt is not None:
        read.receipt_status = receipt.status
        read.receipt_error = " ".join(filter(None, (receipt.error_code, receipt.error_message))) or None
        if receipt.status == "delivered":
            read.delivered_at = receipt.reported_at or receipt.created_at
    return read


@router.get("/deliveries", response_model=Page[DeliveryRead], responses=errors(422))
async def list_deliveries(
    principal: DeliveriesManager,
    session: SessionDep,
    state: Annotated[
        str | None, Query(pattern="^(pending|sending|sent|delivered|failed|scheduled|suppressed|digest|digested)$")
    ] = None,
    channel: Annotated[
        str | None, Query(pattern="^(email|sms|webhook|inbox|wecom|dingtalk|wecom_bot|ding_bot)$")
    ] = None,
    event_type: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    """Every message the notifier owes or sent: state, attempts, last error, per channel; for
    SMS the provider's delivery receipt (`receipt_status`, `receipt_error`, `delivered_at`);
    `digest` rows wait for the recipient's daily digest, `digested` ones went out in it."""
    stmt = select(Delivery).where(principal.subtree.clause(Delivery.org_path))
    for col, value in ((Delivery.state, state), (Delivery.channel, channel), (Delivery.event_type, event_type)):
        if value is not None:
            stmt = stmt.where(col == value)
    if cursor:
        value, row_id = decode_cursor(cursor, "-created_at")
        at = datetime.fromisoformat(value)
        stmt = stmt.where(after_key(Delivery.created_at, Delivery.id, at, row_id, desc=True))
    rows = (
        (await session.execute(stmt.order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit + 1)))
        .scalars()
        .all()
    )
    items, nxt = page_of(rows, limit, "-created_at", lambda d: (d.created_at.isoformat(), d.id))
    receipts = await receipts_for(session, items)
    return Page[DeliveryRead](items=[_delivery(d, receipts.get(d.id)) for d in items], next_cursor=nxt)


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryRead, responses=errors(404, 409))
async def retry_delivery(delivery_id: str, principal: DeliveriesManager, session: SessionDep) -> DeliveryRead:
    """Send a failed delivery again (the notifier picks it up within half a minute)."""
    row = (
        await session.execute(select(Delivery).where(Delivery.id == int(delivery_id) if _is_id(delivery_id) else False))
    ).scalar_one_or_none()
    if row is None or not principal.subtree.contains(row.org_path or "/"):
        raise not_found("投递记录", "Delivery")
    if not may_retry(row.state):
        raise ApiError(
            409,
            "not_failed",
            "只有失败的投递可以重发",
            f"Only a failed delivery can be retried; this one is {row.state}",
        )
    # a full new cycle; the idempotency key stays, so a provider that did take it drops the copy
    row.state, row.attempts, row.next_attempt_at, row.provider_message_id = DeliveryState.pending, 0, None, None
    await record_audit(
        session,
        principal,
        "delivery.retried",
        "delivery",
        row.id,
        before={"state": DeliveryState.failed},
        after={"state": DeliveryState.pending},
        org_path=row.org_path,
    )
    await session.commit()
    return _delivery(row)


@router.put("/templates/{event_type}/{channel}", response_model=TemplateRead, responses=errors(415, 422))
async def put_template(
    event_type: Annotated[str, Path(json_schema_extra={"enum": sorted(EVENT_TYPES)})],
    channel: Annotated[str, Path(json_schema_extra={"enum": list(CHANNELS)})],
    data: TemplatePut,
    principal: TemplatesManager,
    session: SessionDep,
) -> TemplateRead:
    """The office's own wording for an event kind and channel (Jinja2, zh-CN), for messages to its
    subtree: a league's office overrides the root's wording for its own units only."""
    if event_type not in EVENT_TYPES or channel not in CHANNELS:
        raise invalid("path", "unknown event type or channel", "未知事件类型或渠道", "Unknown event type or channel")
    env = SandboxedEnvironment()
    for field, text in (("body.subject", data.subject), ("body.body", data.body)):
        if text:
            try:
                env.parse(text)
            except jinja2.TemplateSyntaxError as exc:
                raise invalid(
                    field, f"template syntax: {exc.message}", "模板语法错误", "Template syntax error"
                ) from exc
    # the office's own row: it words messages to its subtree (nearest ancestor wins), never above it
    row = await session.get(MessageTemplate, (event_type, channel, principal.org_path))
    before = {"subject": row.subject, "body": row.body} if row else None
    if row is None:
        row = MessageTemplate(
            event_type=event_type,
            channel=channel,
            org_path=principal.org_path,
            subject=data.subject,
            body=data.body,
            updated_by=principal.name,
        )
        session.add(row)
    else:
        row.subject, row.body, row.updated_by, row.updated_at = data.subject, data.body, principal.name, utcnow()
    await record_audit(
        session,
        principal,
        "template.replaced",
        "message_template",
        f"{event_type}/{channel}",
        before=before,
        after={"subject": data.subject, "body": data.body},
        org_path=principal.org_path,
    )
    await session.commit()
    return TemplateRead(
        event_type=event_type,
        channel=channel,
        subject=row.subject,
        body=row.body,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )
