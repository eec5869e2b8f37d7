"""Storing SMS delivery receipts, and finding the receipt of a delivery.

issues-api owns the receipt table: a provider's callback is recorded here, as it comes, and
nothing else is written. `GET /deliveries` reads the receipt beside each SMS delivery
(matched by the provider's message id, or by our idempotency key where the provider echoes
it), so the notifier's delivery rows stay the notifier's, and a receipt that arrives before
the sender recorded the provider's message id still finds its delivery.
"""

import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.ids import new_id
from rectify_shared.models import Delivery, DeliveryReceipt
from rectify_shared.timezone import CHINA_TZ

from .errors import INVALID_RECEIPT, TOO_MANY_REPORTS
from .schemas import AliyunReport, GenericReport, TencentReport

MAX_REPORTS = 1000
_MODELS: dict[str, type[BaseModel]] = {"aliyun": AliyunReport, "tencent": TencentReport, "generic": GenericReport}


def token_ok(configured: str, given: str | None) -> bool:
    """Constant-time comparison (a timing side channel would let the token be guessed byte by byte)."""
    return bool(configured) and given is not None and hmac.compare_digest(configured.encode(), given.encode())


def _china_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TZ).astimezone(UTC)


def _receipt(provider: str, report: BaseModel, raw: dict[str, Any]) -> DeliveryReceipt:
    common: dict[str, Any] = {"id": new_id(), "provider": provider, "raw": raw}
    if isinstance(report, AliyunReport):
        return DeliveryReceipt(
            **common, provider_message_id=report.biz_id, idempotency_key=report.out_id, phone=report.phone_number,
            status="delivered" if report.success else "undelivered", error_code=report.err_code,
            error_message=report.err_msg, reported_at=_china_time(report.report_time),
        )  # fmt: skip
    if isinstance(report, TencentReport):
        return DeliveryReceipt(
            **common, provider_message_id=report.sid, phone=report.mobile,
            status="delivered" if report.report_status == "SUCCESS" else "undelivered", error_code=report.errmsg,
            error_message=report.description, reported_at=_china_time(report.user_receive_time),
        )  # fmt: skip
    assert isinstance(report, GenericReport)
    return DeliveryReceipt(
        **common, provider_message_id=report.message_id, idempotency_key=report.id, phone=report.to,
        status=report.status, error_message=report.error, reported_at=report.at,
    )  # fmt: skip


def parse(provider: str, body: Any) -> list[DeliveryReceipt]:
    """Every report, or a 422 naming each bad one (then nothing is stored)."""
    if not isinstance(body, list):
        body = [body]  # a provider configured for single reports sends one object
    if len(body) > MAX_REPORTS:
        raise TOO_MANY_REPORTS.error(max_reports=MAX_REPORTS)
    model = _MODELS[provider]
    try:
        reports = TypeAdapter(list[model]).validate_python(body)  # type: ignore[valid-type]
    except ValidationError as exc:
        details = [{"field": ".".join(["body", *(str(p) for p in e["loc"])]), "reason": e["msg"]} for e in exc.errors()]
        raise INVALID_RECEIPT.error(provider=provider, details=details) from exc
    return [_receipt(provider, r, raw) for r, raw in zip(reports, body, strict=True)]


async def receipts_for(session: AsyncSession, deliveries: Sequence[Delivery]) -> dict[int, DeliveryReceipt]:
    """The latest receipt of each SMS delivery in `deliveries` that has one."""
    sms = [d for d in deliveries if d.channel == "sms"]
    ids = {d.provider_message_id for d in sms if d.provider_message_id}
    keys = {d.idempotency_key for d in sms}
    if not sms:
        return {}
    stmt = select(DeliveryReceipt).where(
        or_(col(DeliveryReceipt.provider_message_id).in_(ids), col(DeliveryReceipt.idempotency_key).in_(keys))
    )
    rows = (await session.execute(stmt)).scalars().all()
    by_id: dict[str, DeliveryReceipt] = {}
    by_key: dict[str, DeliveryReceipt] = {}

    def later(a: DeliveryReceipt | None, b: DeliveryReceipt) -> DeliveryReceipt:
        return b if a is None or (b.reported_at or b.created_at, b.id) > (a.reported_at or a.created_at, a.id) else a

    for r in rows:
        if r.provider_message_id:
            by_id[r.provider_message_id] = later(by_id.get(r.provider_message_id), r)
        if r.idempotency_key:
            by_key[r.idempotency_key] = later(by_key.get(r.idempotency_key), r)
    found: dict[int, DeliveryReceipt] = {}
    for d in sms:
        match = by_id.get(d.provider_message_id or "") or by_key.get(d.idempotency_key)
        if match is not None:
            found[d.id] = match
    return found
