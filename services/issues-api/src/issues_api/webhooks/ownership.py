"""Who a webhook subscription belongs to, and what happens to it when its owner goes.

A subscription's `owner` is the principal that created it (`apikey:<key_id>` or a username).
An integration key sees and manages only its own subscriptions; the office manages every one in
its subtree. Revoking a key, or disabling an account, deactivates the subscriptions it owns.
"""

from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import WebhookSubscription
from rectify_shared.models.types import utcnow

from ..audit.writer import record_audit
from ..auth.principal import Principal


def managed_by(principal: Principal) -> ColumnElement[bool]:
    """The subscriptions `principal` may list and change."""
    in_scope = principal.subtree.clause(WebhookSubscription.org_path)
    if principal.kind == "api_key":
        mine: Any = WebhookSubscription.owner == principal.name
        return in_scope & mine  # type: ignore[no-any-return]
    return in_scope & true()  # type: ignore[no-any-return]


def may_manage(principal: Principal, sub: WebhookSubscription) -> bool:
    if not principal.subtree.contains(sub.org_path):
        return False
    return principal.kind != "api_key" or sub.owner == principal.name


async def deactivate_owned(session: AsyncSession, owner: str, reason: str, principal: Principal) -> list[int]:
    """Deactivate every active subscription of `owner`; audited one by one. Returns their ids."""
    rows = (
        (
            await session.execute(
                select(WebhookSubscription).where(
                    col(WebhookSubscription.owner) == owner, col(WebhookSubscription.active).is_(True)
                )
            )
        )
        .scalars()
        .all()
    )
    now = utcnow()
    for sub in rows:
        sub.active, sub.disabled_at = False, now
        await record_audit(
            session,
            principal,
            "webhook.disabled",
            "webhook_subscription",
            sub.id or 0,
            before={"active": True},
            after={"active": False, "reason": reason},
            org_path=sub.org_path,
        )
    return [s.id or 0 for s in rows]
