"""Exactly-once effect: a delivery is a row written before anything is sent.

* `record_deliveries` inserts the planned rows; the unique key (event, recipient, channel,
  month, created_at) makes a second arrival of the event insert nothing. In-app inbox messages
  are written in the same transaction, so they exist exactly once and are sent at once.
* `send_one` claims a due row (pending/scheduled -> sending, one winner), sends outside any
  transaction, then records the outcome: sent, a retry with backoff, or failed.
* `sweep` re-enqueues what Redis lost and releases rows whose sender died mid-send (the lease
  in `next_attempt_at` ran out). The resend carries the same idempotency key, which providers
  de-duplicate: at worst a duplicate they drop, never a lost message.
"""

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from arq.connections import ArqRedis
from sqlalchemy import CursorResult, Table, and_, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import delivery_states
from rectify_shared.delivery_states import DeliveryState
from rectify_shared.ids import new_id
from rectify_shared.jobs import NOTIFIER_QUEUE, EventEnvelope, queue_name
from rectify_shared.models import metadata
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import CHINA_TZ

from .channels.base import Channel, OutgoingMessage, PermanentError, SendResult
from .planner import PlannedDelivery
from .quiet import BACKOFF_BASE, BACKOFF_CAP, QUIET_CHANNELS, QuietHours, backoff, next_allowed

log = structlog.get_logger("notifier.delivery")

SEND_DELIVERY = "send_delivery"
D: Table = metadata.tables["delivery"]
INBOX: Table = metadata.tables["inbox_message"]
WEBHOOKS: Table = metadata.tables["webhook_subscription"]
ORGS: Table = metadata.tables["org"]
#: group-robot channels: the org's robot URL (and DingTalk's signing secret), read when sending
ROBOTS = {"wecom_bot": ("wecom_robot_url", None), "ding_bot": ("dingtalk_robot_url", "dingtalk_robot_secret")}
UNIQUE = ["event_id", "recipient", "channel", "event_month", "created_at"]
#: a row still `sending` this long after its claim lost its worker (arq's job timeout is 300 s)
SENDING_LEASE = timedelta(minutes=5)
DUE_STATES = delivery_states.DUE_STATES
CHUNK = 500
SWEEP_BATCH = 2000
Clock = Callable[[], datetime]
Sessions = async_sessionmaker[AsyncSession]


def _ids(n: int) -> list[int]:
    ids: set[int] = set()
    while len(ids) < n:  # a burst within one millisecond could draw the same random bits
        ids.add(new_id())
    return sorted(ids)


def _row(event: EventEnvelope, p: PlannedDelivery, delivery_id: int, org_path: str | None) -> dict[str, Any]:
    event_id, at = p.event_key or event.id, p.event_at or event.timestamp
    return {
        "id": delivery_id, "created_at": at, "event_id": event_id, "event_type": event.type,
        "event_month": at.astimezone(CHINA_TZ).strftime("%Y-%m"), "channel": p.channel, "recipient": p.recipient,
        "address": p.address, "org_path": org_path, "subject": p.subject, "body": p.body,
        "payload": p.extra or None, "state": DeliveryState.pending, "priority": p.priority, "attempts": 0,
        "next_attempt_at": None, "idempotency_key": f"{event_id}:{p.recipient}:{p.channel}"[:80],
        "sent_at": None, "provider_message_id": None,  # every row of a multi-row VALUES has the same keys
    }  # fmt: skip


def _message(event: EventEnvelope, p: PlannedDelivery, message_id: int, now: datetime) -> dict[str, Any]:
    return {
        "id": message_id, "created_at": now, "user_id": int(p.address), "event_id": event.id, "event_type": event.type,
        "title": (p.subject or "")[:300], "body": p.body, "link": p.extra.get("link"),
    }  # fmt: skip


async def record_deliveries(
    session: AsyncSession,
    event: EventEnvelope,
    planned: list[PlannedDelivery],
    *,
    org_path: str | None = None,
    quiet: QuietHours | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Insert the planned deliveries (in the caller's transaction); the ids of the new rows
    that still have to be sent (inbox messages are written here and are sent already)."""
    now = now or utcnow()
    rows, inbox = [], []
    for p, delivery_id in zip(planned, _ids(len(planned)), strict=True):
        row = _row(event, p, delivery_id, org_path)
        if p.mode == "digest":
            row.update(state=DeliveryState.digest)  # waits for the recipient's daily digest (`digest.py`)
        elif p.channel == "inbox":
            message_id = new_id()
            row.update(state=DeliveryState.sent, attempts=1, sent_at=now, provider_message_id=str(message_id))
            inbox.append((delivery_id, message_id, p))
        elif p.channel in QUIET_CHANNELS and (allowed := next_allowed(now, quiet, urgent=p.priority == "urgent")) > now:
            row.update(state=DeliveryState.scheduled, next_attempt_at=allowed)  # quiet hours: the morning
        rows.append(row)
    inserted = await insert_once(session, rows)
    messages = [_message(event, p, message_id, now) for delivery_id, message_id, p in inbox if delivery_id in inserted]
    for start in range(0, len(messages), CHUNK):
        await session.execute(insert(INBOX), messages[start : start + CHUNK])
    return [r["id"] for r in rows if r["id"] in inserted and r["state"] in DUE_STATES]


async def insert_once(session: AsyncSession, rows: list[dict[str, Any]]) -> set[int]:
    """Insert delivery rows, skipping any whose unique key is taken; the ids of the new ones."""
    dialect = session.get_bind().dialect.name
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    inserted: set[int] = set()
    for start in range(0, len(rows), CHUNK):
        stmt = insert_(D).values(rows[start : start + CHUNK]).on_conflict_do_nothing(index_elements=UNIQUE)
        inserted.update((await session.execute(stmt.returning(D.c.id))).scalars())
    return inserted


@dataclass(frozen=True)
class Outcome:
    #: sent | retry | failed | suppressed | deferred (quiet hours) | skipped (not due, or taken)
    status: str
    attempts: int = 0
    next_attempt_at: datetime | None = None


async def _claim(session: AsyncSession, delivery_id: int, now: datetime) -> Any:
    due = or_(D.c.next_attempt_at.is_(None), D.c.next_attempt_at <= now)
    stmt = (
        update(D)
        .where(D.c.id == delivery_id, D.c.state.in_(DUE_STATES), due)
        .values(state=DeliveryState.sending, attempts=D.c.attempts + 1, next_attempt_at=now + SENDING_LEASE)
        .returning(*(D.c[k] for k in ("id", "channel", "recipient", "address", "subject", "body", "payload")),
                   *(D.c[k] for k in ("priority", "attempts", "idempotency_key")))
    )  # fmt: skip
    return (await session.execute(stmt)).first()


async def _webhook_secret(session: AsyncSession, recipient: str) -> str | None:
    """The subscription's current secret; None once it is disabled (the client opted out)."""
    sub_id = int(recipient.removeprefix("webhook:"))
    row = (
        await session.execute(
            select(WEBHOOKS.c.secret, WEBHOOKS.c.active, WEBHOOKS.c.disabled_at).where(WEBHOOKS.c.id == sub_id)
        )
    ).first()
    return row.secret if row is not None and row.active and row.disabled_at is None else None


async def _robot(session: AsyncSession, channel: str, recipient: str) -> dict[str, Any]:
    """The org's robot URL and secret as they are now ({} once the org removed its robot)."""
    url_column, secret_column = ROBOTS[channel]
    columns = [ORGS.c[url_column]] + ([ORGS.c[secret_column]] if secret_column else [])
    org_id = int(recipient.removeprefix("org:"))
    row = (await session.execute(select(*columns).where(ORGS.c.id == org_id))).first()
    if row is None or not row[0]:
        return {}
    return {"url": row[0], "secret": row[1] if secret_column else None}


async def _finish(sessions: Sessions, claim: Any, **values: Any) -> None:
    """Record the outcome of our own claim only (a swept and re-claimed row is someone else's)."""
    async with sessions() as session:
        await session.execute(
            update(D)
            .where(D.c.id == claim.id, D.c.state == DeliveryState.sending, D.c.attempts == claim.attempts)
            .values(**values)
        )
        await session.commit()


async def send_one(
    sessions: Sessions,
    channels: Mapping[str, Channel],
    delivery_id: int,
    max_attempts: int,
    *,
    quiet: QuietHours | None = None,
    clock: Clock = utcnow,
    rng: random.Random | None = None,
    backoff_base: timedelta = BACKOFF_BASE,
    backoff_cap: timedelta = BACKOFF_CAP,
) -> Outcome:
    now = clock()
    async with sessions() as session:
        claim = await _claim(session, delivery_id, now)
        if claim is None:
            await session.rollback()
            return Outcome("skipped")
        extra = dict(claim.payload or {})
        urgent = claim.priority == "urgent"
        if claim.channel in QUIET_CHANNELS and (allowed := next_allowed(now, quiet, urgent=urgent)) > now:
            undo = {"state": DeliveryState.scheduled, "attempts": claim.attempts - 1, "next_attempt_at": allowed}
            await session.execute(update(D).where(D.c.id == claim.id).values(**undo))
            await session.commit()
            return Outcome("deferred", claim.attempts - 1, allowed)
        if claim.channel == "webhook":
            extra["secret"] = await _webhook_secret(session, claim.recipient)
        if claim.channel in ROBOTS:
            extra.update(await _robot(session, claim.channel, claim.recipient))
        await session.commit()
    if claim.channel == "webhook" and extra["secret"] is None:
        await _finish(
            sessions, claim, state=DeliveryState.suppressed, next_attempt_at=None, last_error="subscription disabled"
        )
        return Outcome(DeliveryState.suppressed, claim.attempts)
    if claim.channel in ROBOTS and not extra.get("url"):
        await _finish(
            sessions, claim, state=DeliveryState.suppressed, next_attempt_at=None, last_error="org robot removed"
        )
        return Outcome(DeliveryState.suppressed, claim.attempts)
    message = OutgoingMessage(claim.id, claim.idempotency_key, claim.address, claim.subject, claim.body, extra)
    channel = channels.get(claim.channel)
    try:
        if channel is None:
            raise PermanentError(f"no {claim.channel} channel is configured")
        result: SendResult = await channel.send(message)
    except PermanentError as exc:
        return await _failed(sessions, claim, exc)
    except Exception as exc:  # TransientError, and anything unforeseen: trying again is the safe side
        if claim.attempts >= max_attempts:
            return await _failed(sessions, claim, exc)
        retry_at = clock() + backoff(claim.attempts, rng, base=backoff_base, cap=backoff_cap)
        if claim.channel in QUIET_CHANNELS:
            retry_at = next_allowed(retry_at, quiet, urgent=urgent)
        await _finish(sessions, claim, state=DeliveryState.pending, next_attempt_at=retry_at, last_error=_error(exc))
        log.info("delivery_retry", delivery_id=claim.id, attempts=claim.attempts, error=_error(exc))
        return Outcome("retry", claim.attempts, retry_at)
    provider_id = result.provider_message_id[:200] if result.provider_message_id else None
    await _finish(
        sessions,
        claim,
        state=DeliveryState.sent,
        sent_at=clock(),
        next_attempt_at=None,
        provider_message_id=provider_id,
    )
    return Outcome(DeliveryState.sent, claim.attempts)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


async def _failed(sessions: Sessions, claim: Any, exc: BaseException) -> Outcome:
    await _finish(sessions, claim, state=DeliveryState.failed, next_attempt_at=None, last_error=_error(exc))
    log.warning("delivery_failed", delivery_id=claim.id, attempts=claim.attempts, error=_error(exc))
    return Outcome(DeliveryState.failed, claim.attempts)


async def enqueue_send(
    redis: ArqRedis, prefix: str, delivery_id: int, attempt: int | str, defer_seconds: float | None = None
) -> bool:
    """One job per attempt (ids carry the deployment's prefix); False if arq already has it.

    Two jobs for one attempt are harmless (one claims the row, the other finds it taken)."""
    job = await redis.enqueue_job(
        SEND_DELIVERY,
        {"delivery_id": delivery_id},
        _job_id=f"{prefix}:delivery:{delivery_id}:{attempt}",
        _queue_name=queue_name(prefix, NOTIFIER_QUEUE),
        _defer_by=max(defer_seconds, 0.0) if defer_seconds else None,
    )
    return job is not None


@dataclass(frozen=True)
class SweepResult:
    released: int  # rows whose sender died mid-send, owed again
    enqueued: int


async def sweep(sessions: Sessions, redis: ArqRedis, prefix: str, *, clock: Clock = utcnow) -> SweepResult:
    now = clock()
    async with sessions() as session:
        lost = "worker lost mid-send; resent with the same key"
        stmt = update(D).where(D.c.state == DeliveryState.sending, D.c.next_attempt_at <= now)
        released = cast(
            CursorResult[Any], await session.execute(stmt.values(state=DeliveryState.pending, last_error=lost))
        )
        await session.commit()
        due = and_(D.c.state.in_(DUE_STATES), or_(D.c.next_attempt_at.is_(None), D.c.next_attempt_at <= now))
        rows = (await session.execute(select(D.c.id, D.c.attempts).where(due).limit(SWEEP_BATCH))).all()
        await session.rollback()
    enqueued = sum([await enqueue_send(redis, prefix, r.id, r.attempts) for r in rows])
    if released.rowcount or enqueued:
        log.info("delivery_sweep", released=released.rowcount, enqueued=enqueued)
    return SweepResult(released.rowcount, enqueued)
