"""A ledger change leaves two traces in its own transaction: an outbox event (for the feed,
the workers and webhooks) and an audit record (for the auditors), each a Core INSERT on the
session's connection (pending ORM changes flushed first, as the audit append always did)."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EventData, EventType

from ..audit.writer import record_audit
from ..auth.principal import Principal
from .writer import insert_event


async def record_change(
    session: AsyncSession,
    principal: Principal,
    action: EventType,
    entity_type: str,
    entity_id: int,
    *,
    data: EventData,
    org_path: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    await insert_event(session, action, entity_type, entity_id, data, org_path=org_path)
    await record_audit(
        session,
        principal,
        str(action),
        entity_type,
        entity_id,
        before=before,
        after=after if after is not None else data.dump(),
        org_path=org_path,
    )
