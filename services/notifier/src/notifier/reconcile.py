"""The reconciler: ledger events that were published but never arrived.

The outbox relay marks an event `published_at` once Redis has its `handle_event` job. Redis is a
transport, not a record: a restart without persistence (or a job dropped after its last try)
loses the job, and nothing would plan the event's deliveries. Every minute this finds feed
events published a while ago that the notifier has no receipt of, and handles each exactly as
the queued job would have. Handling twice is harmless (the receipt's key and the deliveries'
unique key), so racing a late job, or another replica's reconciler, changes nothing.
`handle_event` records the receipt only after the deliveries: a receipt means nothing is left to plan.
"""

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import String, Table, and_, cast, exists, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.job_context import JobContext, job
from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import metadata
from rectify_shared.models.types import utcnow

from .events import handle_event

log = structlog.get_logger("notifier.reconcile")

OUTBOX: Table = metadata.tables["outbox_event"]
RECEIPTS: Table = metadata.tables["event_receipt"]
#: a published event younger than this may still be in the queue: leave it to its job
GRACE = timedelta(minutes=2)
#: older events are history (a receipt-less one that old is looked at by people, not a cron)
HORIZON = timedelta(days=7)
BATCH = 500


_ENVELOPE_COLUMNS = ("id", "created_at", "event_type", "aggregate_type", "aggregate_id", "payload", "request_id")


def envelope(row: Any) -> EventEnvelope:
    """The envelope the relay publishes for an outbox row."""
    return EventEnvelope(
        id=str(row.id),
        type=row.event_type,
        timestamp=row.created_at,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        data=row.payload,
        request_id=row.request_id,
    )


async def unreceived_events(
    sessions: async_sessionmaker[AsyncSession], now: datetime, limit: int = BATCH
) -> list[EventEnvelope]:
    """Feed events published before `now - GRACE` (and created within the horizon) without a receipt."""
    received = exists().where(RECEIPTS.c.event_id == cast(OUTBOX.c.id, String))
    stmt = (
        select(
            *(
                OUTBOX.c[k]
                for k in ("id", "created_at", "event_type", "aggregate_type", "aggregate_id", "payload", "request_id")
            )
        )
        .where(
            and_(
                OUTBOX.c.in_feed.is_(True),
                OUTBOX.c.published_at.is_not(None),
                OUTBOX.c.published_at < now - GRACE,
                OUTBOX.c.created_at >= now - HORIZON,
                ~received,
            )
        )
        .order_by(OUTBOX.c.position)
        .limit(limit)
    )
    async with sessions() as session:
        rows = (await session.execute(stmt)).all()
        await session.rollback()
    return [envelope(r) for r in rows]


async def reconcile(ctx: JobContext, *, now: datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Handle every lost event found (one batch); an event that fails stays receipt-less for the next run."""
    events = await unreceived_events(ctx["write_sessions"], now or utcnow(), limit)
    handled = failed = 0
    for event in events:
        try:
            # the same payload the relay enqueues, through the same entry point the queue calls
            await handle_event(ctx, event.model_dump(mode="json"))
            handled += 1
        except Exception as exc:  # e.g. the database went away (handle_event raises arq's Retry)
            failed += 1
            log.warning("event_reconcile_failed", event_id=event.id, type=event.type, error=str(exc))
    if events:
        log.info("events_reconciled", found=len(events), handled=handled, failed=failed)
    return {"found": len(events), "handled": handled, "failed": failed}


@job
async def reconcile_events(ctx: JobContext) -> dict[str, int]:
    """arq cron, every minute: the database says what was published; Redis may have lost it."""
    return await reconcile(ctx)


#: set in Redis while it keeps its data; a fresh (restarted without persistence) Redis lacks it
MARKER = "notifier:redis-marker"


async def redis_identity(redis: Any) -> str:
    """The Redis server's replication id ("" when it does not say). A Sentinel failover gives the
    promoted replica a new one, and so does a restart: either may have lost the jobs the old
    master took but never passed on (replication is asynchronous)."""
    try:
        info = await redis.info("replication")
    except Exception as exc:  # a managed Redis may refuse INFO: fall back to the marker alone
        log.debug("redis_identity_unknown", error=f"{type(exc).__name__}: {exc}")
        return ""
    return str(info.get("master_replid") or "")


@job
async def watch_redis(ctx: JobContext) -> dict[str, int]:
    """arq cron, every 5 s: when Redis restarted empty (its marker key is gone) or is another
    server than the one that set the marker (a Sentinel promoted a replica that may lack the
    master's last jobs), every published event without a receipt may have lost its job — handle
    them now instead of after the grace. A repeat is harmless, so an event still queued in the
    new Redis may be handled twice. The marker (this server's replication id) is set only after
    the pass (a run that dies midway is done again); an event that failed is left to
    `reconcile_events`, so a poisoned event is not retried every 5 s."""
    key = f"{ctx['settings'].queue_prefix}:{MARKER}"
    total = {"found": 0, "handled": 0, "failed": 0}
    marker = await ctx["redis"].get(key)
    identity = await redis_identity(ctx["redis"])
    if marker is not None and (not identity or _text(marker) == identity):
        return total
    # a first start, or a restart of a Redis without persistence (the embedded one), lacks the
    # marker; a restart with persistence or a failover changes the identity. Either is alarming
    # only when events were actually owed: otherwise it is said at info level.
    reason = "redis_empty_or_first_start" if marker is None else "redis_is_another_server"
    while True:
        done = await reconcile(ctx, now=utcnow() + GRACE)
        total = {k: total[k] + done[k] for k in total}
        if done["found"] < BATCH or not done["handled"]:
            break
    if total["found"]:
        log.warning(
            "redis_lost_its_jobs", reason=reason, action="reconciled every published event without a receipt", **total
        )
    else:
        log.info("redis_checked", reason=reason, lost_jobs=0)
    await ctx["redis"].set(key, identity or utcnow().isoformat())
    return total


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
