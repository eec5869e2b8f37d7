"""One event through the whole system: API → outbox → relay → Redis → notifier (a process)."""

from sqlalchemy import select

from notifier.reconcile import MARKER
from rectify_shared import queue
from rectify_shared.models import EventReceipt

from .conftest import wait_for


async def _notifier_has_checked_redis(settings) -> None:
    """Wait for the notifier's first Redis check (`watch_redis` sets its marker). A worker that
    finds no marker handles every published event without a receipt at once, as after a Redis
    restart; racing the event's own job that is a harmless second delivery, by design, but this
    test counts deliveries: it makes its change once the notifier is in its steady state."""
    redis = await queue.connect(settings.effective_redis_url)
    try:
        await wait_for(lambda: redis.get(f"{settings.queue_prefix}:{MARKER}"), what="the notifier's Redis marker")
    finally:
        await redis.aclose()


async def test_a_status_change_reaches_the_notifier(client, app, demo_round, workers, settings):
    await _notifier_has_checked_redis(settings)
    items = (await client.get(f"/api/v1/issues?round_id={demo_round}&status=in_progress")).json()["items"]
    issue_id = items[0]["id"]
    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "completed", "reason": "整改办核定"})
    assert r.status_code == 200

    async def receipt():
        async with app.state.rectify.read_sessions() as s:
            return (
                await s.execute(
                    select(EventReceipt).where(
                        EventReceipt.event_type == "issue.status_changed", EventReceipt.aggregate_id == issue_id
                    )
                )
            ).scalar_one_or_none()

    got = await wait_for(receipt, what="the notifier's receipt of issue.status_changed")
    assert got.deliveries == 1
    changes = (await client.get("/api/v1/changes?limit=200")).json()["items"]
    assert str(got.event_id) in [c["id"] for c in changes if c["type"] == "issue.status_changed"]
    log = workers["notifier"].read_text()
    assert "event_received" in log and str(got.event_id) in log
