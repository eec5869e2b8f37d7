"""The delivery log (tag `notifications`). Deliveries are made by the notifier; here people look at
them and ask for a retry."""

from typing import Annotated

from fastapi import APIRouter, Query

from ..auth.deps import DeliveriesManager
from ..core.deps import SessionDep
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page
from . import service
from .schemas import DeliveryRead

router = APIRouter(prefix="/api/v1", tags=["notifications"])


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
    return await service.list_page(session, principal, state, channel, event_type, limit, cursor)


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryRead, responses=errors(404, 409))
async def retry_delivery(delivery_id: str, principal: DeliveriesManager, session: SessionDep) -> DeliveryRead:
    """Send a failed delivery again (the notifier picks it up within half a minute)."""
    return await service.retry(session, principal, delivery_id)
