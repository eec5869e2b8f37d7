"""Thin arq entry points for deliveries; the work is in `engine`."""

from datetime import timedelta
from typing import Any

from rectify_shared.job_context import JobContext, job
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from .digest import make_digests, parse_digest_time
from .engine import SEND_DELIVERY, Outcome, enqueue_send, send_one, sweep
from .quiet import QuietHours, parse_quiet_hours

SWEEP_DELIVERIES = "sweep_deliveries"

__all__ = ["SEND_DELIVERY", "SWEEP_DELIVERIES", "send_daily_digest", "send_delivery", "sweep_deliveries"]


def quiet_hours(settings: Settings) -> QuietHours | None:
    return parse_quiet_hours(settings.sms_quiet_hours)


@job
async def send_delivery(ctx: JobContext, payload: dict[str, Any]) -> str:
    """Send one delivery; a retry is the next job, deferred by its backoff (or to the morning)."""
    settings: Settings = ctx["settings"]
    delivery_id = int(payload["delivery_id"])
    outcome: Outcome = await send_one(
        ctx["write_sessions"],
        ctx["channels"],
        delivery_id,
        settings.delivery_max_attempts,
        quiet=quiet_hours(settings),
        backoff_base=timedelta(seconds=settings.delivery_backoff_base_seconds),
        backoff_cap=timedelta(seconds=settings.delivery_backoff_cap_seconds),
    )
    if outcome.next_attempt_at is not None:
        delay = (outcome.next_attempt_at - utcnow()).total_seconds()
        # a deferral (quiet hours) keeps the attempt number of this very job: a distinct id
        attempt = f"{outcome.attempts}:{outcome.status}" if outcome.status == "deferred" else outcome.attempts
        await enqueue_send(ctx["redis"], settings.queue_prefix, delivery_id, attempt, delay)
    return outcome.status


@job
async def send_daily_digest(ctx: JobContext) -> dict[str, int]:
    """At `RECTIFY_DIGEST_TIME`: one message per recipient and channel listing their digest items."""
    settings: Settings = ctx["settings"]
    run = await make_digests(ctx["write_sessions"], utcnow(), parse_digest_time(settings.digest_time))
    for delivery_id in run.to_send:
        await enqueue_send(ctx["redis"], settings.queue_prefix, delivery_id, 0)
    return {"digests": run.digests, "items": run.items}


@job
async def sweep_deliveries(ctx: JobContext) -> dict[str, int]:
    """Every 30 s: the database is the record of what is owed; Redis may have lost some of it
    (a lost digest cron run included: making the day's digests again is a no-op once made)."""
    digests = await send_daily_digest(ctx)
    result = await sweep(ctx["write_sessions"], ctx["redis"], ctx["settings"].queue_prefix)
    return {"released": result.released, "enqueued": result.enqueued, **digests}
