"""Thin arq entry points for deliveries; the work is in `engine`."""

from typing import Any

from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from .engine import SEND_DELIVERY, Outcome, enqueue_send, send_one, sweep
from .quiet import QuietHours, parse_quiet_hours

SWEEP_DELIVERIES = "sweep_deliveries"

__all__ = ["SEND_DELIVERY", "SWEEP_DELIVERIES", "send_delivery", "sweep_deliveries"]


def quiet_hours(settings: Settings) -> QuietHours | None:
    return parse_quiet_hours(settings.sms_quiet_hours)


async def send_delivery(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """Send one delivery; a retry is the next job, deferred by its backoff (or to the morning)."""
    settings: Settings = ctx["settings"]
    delivery_id = int(payload["delivery_id"])
    outcome: Outcome = await send_one(
        ctx["write_sessions"],
        ctx["channels"],
        delivery_id,
        settings.delivery_max_attempts,
        quiet=quiet_hours(settings),
    )
    if outcome.next_attempt_at is not None:
        delay = (outcome.next_attempt_at - utcnow()).total_seconds()
        # a deferral (quiet hours) keeps the attempt number of this very job: a distinct id
        attempt = f"{outcome.attempts}:{outcome.status}" if outcome.status == "deferred" else outcome.attempts
        await enqueue_send(ctx["redis"], settings.queue_prefix, delivery_id, attempt, delay)
    return outcome.status


async def sweep_deliveries(ctx: dict[str, Any]) -> dict[str, int]:
    """Every 30 s: the database is the record of what is owed; Redis may have lost some of it."""
    result = await sweep(ctx["write_sessions"], ctx["redis"], ctx["settings"].queue_prefix)
    return {"released": result.released, "enqueued": result.enqueued}
