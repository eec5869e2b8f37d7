"""Webhook deliveries are signed with the subscription's secret as it is when sending (never
copied into delivery rows), and a subscription disabled meanwhile suppresses them."""

from sqlalchemy import update

from notifier.delivery.engine import record_deliveries, send_one
from notifier.delivery.planner import PlannedDelivery
from rectify_shared.models import WebhookSubscription

from .test_delivery_world import build_world, fake_channels, get, outbox_event


async def test_a_webhook_is_signed_with_the_current_secret_and_suppressed_once_disabled(db):
    async with db() as s:
        world = await build_world(s)
        event = await outbox_event(s, "escalation.issued", world.escalation)
        sub = world.subscriptions["province"]
        planned = [PlannedDelivery("webhook", f"webhook:{sub.id}", sub.url, None, "{}", {"payload": {"id": event.id}})]
        [first] = await record_deliveries(s, event, planned)
        planned = [PlannedDelivery("webhook", f"webhook:{sub.id}", sub.url, None, "{}", {"payload": {"id": "x"}},
                                   event_key="other")]  # fmt: skip
        [second] = await record_deliveries(s, event, planned)
        await s.commit()
    channels = fake_channels()
    assert (await send_one(db, channels, first, 8)).status == "sent"
    [message] = channels["webhook"].calls
    assert message.extra == {"payload": {"id": event.id}, "secret": "whsec_province"}
    async with db() as s:
        await s.execute(update(WebhookSubscription).where(WebhookSubscription.id == sub.id).values(active=False))
        await s.commit()
    assert (await send_one(db, channels, second, 8)).status == "suppressed"
    assert (await get(db, second)).state == "suppressed" and len(channels["webhook"].calls) == 1
