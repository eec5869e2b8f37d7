"""Webhook subscriptions and the event catalogue: what the routes do, one call each."""

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import CATALOGUE, new_webhook_secret, payload_schema
from rectify_shared.models import Org, WebhookSubscription
from rectify_shared.models.types import utcnow
from rectify_shared.outbound import BlockedTarget, allow_networks, check_url

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.errors import invalid, not_found
from ..core.pagination import Page, decode_cursor, page_of
from .ownership import managed_by, may_manage
from .schemas import EventType, WebhookCreate, WebhookCreated, WebhookRead


def webhook_read(w: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=w.id or 0,
        url=w.url,
        event_types=w.event_types,
        org_id=w.org_id,
        owner=w.owner,
        active=w.active,
        created_at=w.created_at,
    )


def event_types() -> list[EventType]:
    """The event catalogue (webhooks and the change feed), each type with its payload's JSON Schema."""
    return [EventType(type=t, description=s.description, schema_=payload_schema(t)) for t, s in CATALOGUE.items()]


async def create(
    session: AsyncSession, principal: Principal, data: WebhookCreate, allowed_networks: str
) -> WebhookCreated:
    """Check the URL and the org, store the subscription with a new secret, audit, commit."""
    try:
        await check_url(str(data.url), allow_networks(allowed_networks))
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
    return WebhookCreated(**webhook_read(sub).model_dump(), secret=sub.secret)


async def list_page(session: AsyncSession, principal: Principal, limit: int, cursor: str | None) -> Page[WebhookRead]:
    after = decode_cursor(cursor, "id")[1] if cursor else None
    stmt = select(WebhookSubscription).where(managed_by(principal))
    if after is not None:
        stmt = stmt.where(col(WebhookSubscription.id) > after)
    rows = (await session.execute(stmt.order_by(col(WebhookSubscription.id)).limit(limit + 1))).scalars().all()
    items, nxt = page_of(rows, limit, "id", lambda w: (w.id, w.id or 0))
    return Page[WebhookRead](items=[webhook_read(w) for w in items], next_cursor=nxt)


async def disable(session: AsyncSession, principal: Principal, webhook_id: int) -> WebhookRead:
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
    return webhook_read(sub)
