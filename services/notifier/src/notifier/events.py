"""Consuming ledger events. A job may run twice: the receipt's primary key makes it count once."""

from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import EventReceipt

log = structlog.get_logger("notifier.events")


async def record_receipt(sessions: async_sessionmaker[AsyncSession], event: EventEnvelope) -> bool:
    """Store the receipt; True if this is the first time the event arrived."""
    async with sessions() as session:
        dialect = session.bind.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(EventReceipt)
            .values(
                event_id=event.id,
                event_type=event.type,
                aggregate_type=event.aggregate_type,
                aggregate_id=event.aggregate_id,
                deliveries=1,
            )
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
        first = (await session.execute(stmt)).rowcount == 1
        if not first:
            await session.execute(
                update(EventReceipt)
                .where(EventReceipt.event_id == event.id)
                .values(deliveries=EventReceipt.deliveries + 1)
            )
        await session.commit()
    return first


async def handle_event(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    event = EventEnvelope.model_validate(payload)
    first = await record_receipt(ctx["write_sessions"], event)
    log.info(
        "event_received" if first else "event_repeat",
        event_id=event.id,
        type=event.type,
        aggregate=f"{event.aggregate_type}:{event.aggregate_id}",
    )
    return "received" if first else "repeat"
