"""A ledger change leaves two traces in its own transaction: an outbox event (for the feed,
the workers and webhooks) and an audit record (for the auditors), each a Core INSERT on the
session's connection (pending ORM changes flushed first, as the audit append always did).
Several changes of one request (a progress report and its evidence links) go in together
(`record_changes`): one INSERT of their events, one append of their records; on PostgreSQL the
events' INSERT is part of the append's statement (one round trip where there were two)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EventData, EventType

from ..audit.writer import AuditEntry, append_audits, record_audit
from ..auth.principal import Principal
from .writer import event_values, events_insert, insert_event


@dataclass(frozen=True, slots=True)
class Change:
    """One change for `record_changes`: the arguments of `record_change`."""

    action: EventType
    entity_type: str
    entity_id: int
    data: EventData
    org_path: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


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


async def record_changes(session: AsyncSession, principal: Principal, changes: Sequence[Change]) -> None:
    """`record_change` for each of `changes`, in order: the same events and records (chained in
    that order), in one INSERT of the events and one append of the records (`append_audits`)."""
    if not changes:
        return
    # the events go in with the records (on PostgreSQL one statement: `append_audits`'s `also`)
    rows = [event_values(c.action, c.entity_type, c.entity_id, c.data, org_path=c.org_path) for c in changes]
    entries = [
        AuditEntry(
            str(c.action),
            c.entity_type,
            c.entity_id,
            c.before,
            c.after if c.after is not None else row["payload"],  # the event's payload: `data.dump()`
            c.org_path,
        )
        for c, row in zip(changes, rows, strict=True)
    ]
    await append_audits(session, principal, entries, also=events_insert(rows))
