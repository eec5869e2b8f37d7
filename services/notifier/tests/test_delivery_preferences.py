"""Users' notification preferences in planning, and the daily digest: made once per recipient,
channel and day, sent once (a real aiosmtpd server counts the mail)."""

from datetime import UTC, datetime, time
from types import SimpleNamespace

from sqlalchemy import select

from notifier.delivery.channels.email import SmtpChannel
from notifier.delivery.digest import digest_moment, make_digests
from notifier.delivery.engine import send_one
from notifier.delivery.jobs import sweep_deliveries
from notifier.events import handle_event
from rectify_shared import queue
from rectify_shared.ids import new_id
from rectify_shared.jobs import NOTIFIER_QUEUE, EventEnvelope, queue_name
from rectify_shared.models import Delivery, InboxMessage, NotificationPreference, OutboxEvent
from rectify_shared.notification_prefs import resolve_mode
from rectify_shared.settings import Settings
from rectify_shared.timezone import CHINA_TZ

from .channel_servers import CapturingHandler, smtp_server
from .test_delivery_world import ISSUED_AT, build_world, outbox_event

DIGEST_AT = time(8, 30)
NEXT_MORNING = datetime(2024, 12, 17, 8, 30, 5, tzinfo=CHINA_TZ).astimezone(UTC)


def pref(event_type: str, channel: str, mode: str, level: str = "") -> SimpleNamespace:
    return SimpleNamespace(event_type=event_type, level=level, channel=channel, mode=mode)


def test_the_most_specific_preference_wins_and_urgent_levels_always_get_through():
    prefs = [
        pref("*", "email", "digest"),
        pref("escalation.issued", "email", "off"),
        pref("escalation.issued", "email", "immediate", level="notice"),
        pref("*", "inbox", "off"),
    ]
    assert resolve_mode([], "escalation.issued", "warning", "inbox") == "immediate"  # the defaults
    assert resolve_mode([], "escalation.issued", "warning", "email") == "off"
    assert resolve_mode(prefs, "issue.status_changed", None, "email") == "digest"  # "*"
    assert resolve_mode(prefs, "escalation.issued", "warning", "email") == "off"  # the type beats "*"
    assert resolve_mode(prefs, "escalation.issued", "notice", "email") == "immediate"  # type + level beats type
    assert resolve_mode(prefs, "escalation.issued", "warning", "inbox") == "off"
    # 督办/约谈: the inbox is never switched off and nothing waits for a digest
    assert resolve_mode(prefs, "escalation.issued", "summons", "inbox") == "immediate"
    assert resolve_mode([pref("*", "email", "digest")], "escalation.issued", "supervision", "email") == "immediate"
    assert resolve_mode(prefs, "escalation.issued", "summons", "email") == "off"  # never opted in: the org gets it
    assert resolve_mode([pref("*", "sms", "digest")], "issue.status_changed", None, "sms") == "immediate"


async def status_changed(session, issue_id: int, org_path: str) -> EventEnvelope:
    data = {"id": issue_id, "from": "in_progress", "to": "completed"}
    at = ISSUED_AT.replace(hour=5)
    row = OutboxEvent(
        id=new_id(), created_at=at, event_type="issue.status_changed", aggregate_type="issue",
        aggregate_id=issue_id, org_path=org_path, payload=data,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return EventEnvelope(
        id=str(row.id), type=row.event_type, timestamp=at, aggregate_type="issue", aggregate_id=issue_id, data=data
    )


async def world_with_preferences(db, level: str):
    """Three users of the county: 0 wants a digest of everything (inbox and email), 1 wants
    escalation emails at once, 2 switched the inbox off."""
    async with db() as s:
        world = await build_world(s, level=level)
        u0, u1, u2 = world.users
        u0.email, u1.email, u2.email = "u0@example.cn", "u1@example.cn", "u2@example.cn"
        for user, event_type, channel, mode in (
            (u0, "*", "inbox", "digest"),
            (u0, "*", "email", "digest"),
            (u1, "escalation.issued", "email", "immediate"),
            (u2, "*", "inbox", "off"),
        ):
            s.add(NotificationPreference(user_id=user.id, event_type=event_type, channel=channel, mode=mode))
        events = [await outbox_event(s, "escalation.issued", world.escalation)]
        events.append(await status_changed(s, world.escalation.issue_id, world.escalation.org_path))
        await s.commit()
    ctx = {"write_sessions": db, "settings": Settings(sms_quiet_hours="")}
    for event in events:
        await handle_event(ctx, event.model_dump(mode="json"))
    return world


async def user_rows(db, world) -> dict[tuple[int, str], list[str]]:
    found: dict[tuple[int, str], list[str]] = {}
    async with db() as s:
        index = {f"user:{u.id}": i for i, u in enumerate(world.users)}
        for d in (await s.execute(select(Delivery).where(Delivery.recipient.like("user:%")))).scalars():
            found.setdefault((index[d.recipient], d.channel), []).append(d.state)
    return {k: sorted(v) for k, v in found.items()}


async def test_preferences_decide_each_users_channels(db):
    world = await world_with_preferences(db, level="notice")
    assert await user_rows(db, world) == {
        (0, "inbox"): ["digest", "digest"],  # held for the digest, not in the inbox yet
        (0, "email"): ["digest", "digest"],
        (1, "inbox"): ["sent", "sent"],  # the default
        (1, "email"): ["pending"],  # escalations only
    }
    async with db() as s:
        inboxed = {m.user_id for m in (await s.execute(select(InboxMessage))).scalars()}
    assert inboxed == {world.users[1].id}


async def test_a_summons_reaches_everyone_at_once_whatever_they_chose(db):
    world = await world_with_preferences(db, level="summons")
    rows = await user_rows(db, world)
    assert rows[(0, "inbox")] == ["digest", "sent"]  # the summons at once; the status change waits
    assert rows[(0, "email")] == ["digest", "pending"]
    assert rows[(2, "inbox")] == ["sent"]  # inbox "off" does not hold back a 约谈


async def test_the_daily_digest_is_made_once_and_its_email_sent_once(db):
    world = await world_with_preferences(db, level="notice")
    u0 = world.users[0]
    first = await make_digests(db, NEXT_MORNING, DIGEST_AT)
    assert (first.digests, first.items) == (2, 4)  # inbox + email, two items each
    again = await make_digests(db, NEXT_MORNING.replace(minute=45), DIGEST_AT)  # a rerun, e.g. the sweeper
    assert (again.digests, again.items, again.to_send) == (0, 0, [])

    async with db() as s:
        digests = (await s.execute(select(Delivery).where(Delivery.event_type == "digest.daily"))).scalars().all()
        items = (await s.execute(select(Delivery).where(Delivery.recipient == f"user:{u0.id}"))).scalars().all()
        [message] = (await s.execute(select(InboxMessage).where(InboxMessage.user_id == u0.id))).scalars().all()
    assert {(d.channel, d.event_id, d.state) for d in digests} == {
        ("inbox", "digest:2024-12-17", "sent"),
        ("email", "digest:2024-12-17", "pending"),
    }
    by_channel = {d.channel: d.id for d in digests}
    assert {(i.channel, i.state, i.digest_id) for i in items if i.event_type != "digest.daily"} == {
        ("inbox", "digested", by_channel["inbox"]),
        ("email", "digested", by_channel["email"]),
    }
    assert message.title == "【每日汇总】2024年12月17日督察整改消息（2条）"
    assert "已被通报" not in message.body and "第3项问题" in message.body and "12月16日 10:00" in message.body

    handler = CapturingHandler()
    with smtp_server(handler) as server:
        channel = SmtpChannel(Settings(smtp_host="127.0.0.1", smtp_port=server.port, smtp_timeout=5.0))
        outcomes = [
            (await send_one(db, {"email": channel}, by_channel["email"], 3, clock=lambda: NEXT_MORNING)).status
            for _ in range(2)
        ]
    assert outcomes == ["sent", "skipped"]
    [(_, rcpt, mail, _)] = handler.messages
    assert rcpt == ["u0@example.cn"]
    assert mail["Subject"] == "【每日汇总】2024年12月17日督察整改消息（2条）"
    body = mail.get_content()
    assert body.startswith("操作员0：") and body.count("第3项问题") == 2 and "整改状态变更" in body


async def test_items_arriving_after_the_days_digest_wait_for_the_next_one(db):
    await world_with_preferences(db, level="notice")
    await make_digests(db, NEXT_MORNING, DIGEST_AT)
    async with db() as s:  # a late item, planned after the digest was made
        late = (await s.execute(select(Delivery).where(Delivery.state == "digested"))).scalars().first()
        copy = {"id": new_id(), "event_id": "late", "state": "digest", "digest_id": None}
        s.add(Delivery(**{**late.model_dump(), **copy, "created_at": NEXT_MORNING.replace(minute=0)}))
        await s.commit()
    assert (await make_digests(db, NEXT_MORNING.replace(hour=3), DIGEST_AT)).items == 0  # same day: waits
    following = datetime(2024, 12, 18, 8, 31, tzinfo=CHINA_TZ).astimezone(UTC)
    run = await make_digests(db, following, DIGEST_AT)
    assert (run.digests, run.items) == (1, 1)


async def test_the_half_minutely_sweep_makes_a_missed_digest_and_queues_its_email(db, redis_url, queue_prefix):
    world = await world_with_preferences(db, level="notice")
    pool = await queue.connect(redis_url)
    try:
        ctx = {"write_sessions": db, "redis": pool, "settings": Settings(queue_prefix=queue_prefix)}
        first = await sweep_deliveries(ctx)  # the 08:30 cron run was lost with Redis, say
        again = await sweep_deliveries(ctx)
        queued = [j.job_id for j in await pool.queued_jobs(queue_name=queue_name(queue_prefix, NOTIFIER_QUEUE))]
    finally:
        await pool.aclose()
    assert (first["digests"], first["items"], again["digests"]) == (2, 4, 0)
    async with db() as s:
        email = (
            await s.execute(select(Delivery).where(Delivery.event_type == "digest.daily", Delivery.channel == "email"))
        ).scalar_one()
    assert email.recipient == f"user:{world.users[0].id}" and email.address == "u0@example.cn"
    assert f"{queue_prefix}:delivery:{email.id}:0" in queued


def test_the_digest_moment_is_the_latest_at_or_before_now_china_time():
    before = datetime(2024, 12, 17, 8, 29, tzinfo=CHINA_TZ)
    after = datetime(2024, 12, 17, 8, 30, tzinfo=CHINA_TZ)
    assert digest_moment(before, DIGEST_AT) == datetime(2024, 12, 16, 8, 30, tzinfo=CHINA_TZ)
    assert digest_moment(after, DIGEST_AT) == after
