"""SMS providers' delivery receipts (status callbacks). Public — a provider cannot sign in —
but refused without the shared token (`RECTIFY_SMS_CALLBACK_TOKEN`) in the URL (`?token=`)
or the `X-Rectify-Callback-Token` header."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query

from ..core.deps import SessionDep, StateDep
from ..core.error_catalogue import NOT_FOUND, UNAUTHORIZED
from ..core.errors import errors
from . import service
from .schemas import RECEIPT_EXAMPLES, Provider, ReceiptAck

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.post(
    "/delivery-receipts/{provider}",
    response_model=ReceiptAck,
    response_model_exclude_none=True,
    responses=errors(401, 404, 415, 422),
)
async def delivery_receipts(
    provider: Provider,
    session: SessionDep,
    state: StateDep,
    body: Annotated[Any, Body(openapi_examples=RECEIPT_EXAMPLES)],
    token: Annotated[str | None, Query(max_length=200)] = None,
    x_rectify_callback_token: Annotated[str | None, Header(max_length=200)] = None,
) -> ReceiptAck:
    """Record an SMS provider's delivery status reports (Aliyun `SmsReport`, Tencent Cloud's
    status callback, or the generic gateway's). Shown with each delivery by `GET /deliveries`
    (`receipt_status`, `receipt_error`, `delivered_at`)."""
    configured = state.settings.sms_callback_token
    if not configured:
        raise NOT_FOUND.error(message="未启用短信回执接收", message_en="Delivery receipts are not enabled")
    if not service.token_ok(configured, token or x_rectify_callback_token):
        raise UNAUTHORIZED.error(message="回执令牌无效", message_en="Invalid callback token")
    receipts = service.parse(provider, body)
    session.add_all(receipts)
    await session.commit()
    if provider == "aliyun":
        return ReceiptAck(code=0, msg="接收成功", accepted=len(receipts))
    if provider == "tencent":
        return ReceiptAck(result=0, errmsg="OK", accepted=len(receipts))
    return ReceiptAck(accepted=len(receipts))
