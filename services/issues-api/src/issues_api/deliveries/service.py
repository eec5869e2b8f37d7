"""The delivery log: every message the notifier owes or sent, and a retry of a failed one."""

from sqlalchemy import false, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.delivery_states import DeliveryState, may_retry
from rectify_shared.models import Delivery, DeliveryReceipt

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.errors import not_found
from ..core.pagination import Page, newest_first, page_of
from ..core.string_ids import is_id
from ..receipts.service import receipts_for
from .errors import NOT_FAILED
from .schemas import DeliveryRead


def delivery_read(d: Delivery, receipt: DeliveryReceipt | None = None) -> DeliveryRead:
    excluded = {"id", "body", "payload", "receipt", "org_path", "event_month", "idempotency_key", "digest_id"}
    read = DeliveryRead(
        **{**d.model_dump(exclude=excluded), "id": str(d.id), "digest_id": str(d.digest_id) if d.digest_id else None}
    )
    if receipt is not None:
        read.receipt_status = "delivered" if receipt.status == "delivered" else "undelivered"
        read.receipt_error = " ".join(filter(None, (receipt.error_code, receipt.error_message))) or None
        if receipt.status == "delivered":
            read.delivered_at = receipt.reported_at or receipt.created_at
    return read


async def list_page(
    session: AsyncSession,
    principal: Principal,
    state: str | None,
    channel: str | None,
    event_type: str | None,
    limit: int,
    cursor: str | None,
) -> Page[DeliveryRead]:
    stmt = select(Delivery).where(principal.subtree.clause(Delivery.org_path))
    for column, value in ((Delivery.state, state), (Delivery.channel, channel), (Delivery.event_type, event_type)):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    newest = newest_first(stmt, col(Delivery.created_at), col(Delivery.id), cursor, limit)
    rows = (await session.execute(newest)).scalars().all()
    items, nxt = page_of(rows, limit, "-created_at", lambda d: (d.created_at.isoformat(), d.id))
    receipts = await receipts_for(session, items)
    return Page[DeliveryRead](items=[delivery_read(d, receipts.get(d.id)) for d in items], next_cursor=nxt)


async def retry(session: AsyncSession, principal: Principal, delivery_id: str) -> DeliveryRead:
    row = (
        await session.execute(
            select(Delivery).where(col(Delivery.id) == int(delivery_id) if is_id(delivery_id) else false())
        )
    ).scalar_one_or_none()
    if row is None or not principal.subtree.contains(row.org_path or "/"):
        raise not_found("投递记录", "Delivery")
    if not may_retry(row.state):
        raise NOT_FAILED.error(row_state=row.state)
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
    return delivery_read(row)
