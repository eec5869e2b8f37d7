"""The daily digest: low-priority messages a user asked to receive once a day, in one message.

The planner records such messages as deliveries in state `digest` (they are owed, but not
sent alone). At `RECTIFY_DIGEST_TIME` (Asia/Shanghai) — and, should that cron run be lost,
at the next sweep — every recipient's waiting items on a channel become one digest delivery,
with the same exactly-once discipline as every other message:

* the digest is a delivery row whose unique key is (`digest:<day>`, recipient, channel, the
  digest moment), written before anything is sent; a second run on the same day inserts
  nothing and touches nothing;
* in the same transaction its items move to `digested` (pointing at it by `digest_id`), so an
  item is listed in exactly one digest; items that arrive after the day's digest was made wait
  for the next day's;
* it is then sent like any other delivery (retries, backoff, idempotency key); an inbox digest
  is written as the in-app message in the same transaction.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from rectify_shared.delivery_states import DeliveryState
from rectify_shared.ids import new_id
from rectify_shared.models import metadata
from rectify_shared.timezone import CHINA_TZ

from .engine import INBOX, D, Sessions, insert_once
from .templates import brief, render

DIGEST_EVENT_TYPE = "digest.daily"
USERS = metadata.tables["user_account"]
#: items listed by name in one digest; the rest are counted
LISTED = 100


def parse_digest_time(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    return time(hour, minute)


def digest_moment(now: datetime, at: time) -> datetime:
    """The latest digest moment at or before `now` (UTC): today's, or yesterday's if it is earlier."""
    local = now.astimezone(CHINA_TZ)
    moment = datetime.combine(local.date(), at, tzinfo=CHINA_TZ)
    if moment > local:
        moment -= timedelta(days=1)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class DigestRun:
    digests: int  # digest deliveries made by this run
    items: int  # items they carry
    to_send: list[int]  # digest deliveries to enqueue (inbox digests are delivered already)


def _item_line(row: Any) -> dict[str, str]:
    at = row.created_at.astimezone(CHINA_TZ)
    return {"title": row.subject or brief(row.body, 60), "at": f"{at.month}月{at.day}日 {at:%H:%M}"}


async def _waiting(sessions: Sessions, moment: datetime) -> dict[tuple[str, str], list[Any]]:
    cols = ("id", "recipient", "channel", "address", "subject", "body", "created_at")
    stmt = (
        select(*(D.c[k] for k in cols))
        .where(D.c.state == DeliveryState.digest, D.c.created_at <= moment)
        .order_by(D.c.recipient, D.c.channel, D.c.created_at, D.c.id)
    )
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    async with sessions() as session:
        for row in (await session.execute(stmt)).all():
            groups[(row.recipient, row.channel)].append(row)
        await session.rollback()
    return groups


async def _users(sessions: Sessions, recipients: set[str]) -> dict[str, Any]:
    ids = [int(r.removeprefix("user:")) for r in recipients if r.startswith("user:") and r[5:].isdigit()]
    if not ids:
        return {}
    cols = (USERS.c[k] for k in ("id", "username", "display_name", "email", "wecom_userid", "dingtalk_userid",
                                 "org_path"))  # fmt: skip
    async with sessions() as session:
        rows = (await session.execute(select(*cols).where(USERS.c.id.in_(ids)))).all()
        await session.rollback()
    return {f"user:{r.id}": r for r in rows}


def _digest_row(key: tuple[str, str], items: list[Any], user: Any, moment: datetime) -> dict[str, Any]:
    recipient, channel = key
    day = moment.astimezone(CHINA_TZ).date()
    name = (user.display_name or user.username) if user is not None else recipient
    address = items[-1].address
    current = {"email": "email", "wecom": "wecom_userid", "dingtalk": "dingtalk_userid"}.get(channel)
    if current and user is not None and getattr(user, current):
        address = getattr(user, current)  # the address on file now
    lines = [_item_line(r) for r in items]
    variables = {"recipient_name": name, "day": day, "items": lines[:LISTED], "more": max(len(lines) - LISTED, 0),
                 "count": len(lines)}  # fmt: skip
    subject, body = render({"type": DIGEST_EVENT_TYPE, "data": {}}, variables, channel)
    row_key = f"digest:{day.isoformat()}"
    return {
        "id": new_id(), "created_at": moment, "event_id": row_key,
        "event_type": DIGEST_EVENT_TYPE, "event_month": day.strftime("%Y-%m"), "channel": channel,
        "recipient": recipient, "address": address, "org_path": user.org_path if user is not None else None,
        "subject": subject, "body": body, "payload": {"items": len(items)},
        "state": DeliveryState.pending, "priority": "low",
        "attempts": 0, "next_attempt_at": None, "idempotency_key": f"{row_key}:{recipient}:{channel}"[:80],
        "sent_at": None, "provider_message_id": None,
    }  # fmt: skip


async def make_digests(sessions: Sessions, now: datetime, at: time) -> DigestRun:
    """Make the digests owed at the latest digest moment (idempotent: once per recipient, channel and day)."""
    moment = digest_moment(now, at)
    groups = await _waiting(sessions, moment)
    users = await _users(sessions, {recipient for recipient, _ in groups})
    made, carried, to_send = 0, 0, []
    for key, items in groups.items():
        row = _digest_row(key, items, users.get(key[0]), moment)
        inbox_message = None
        if key[1] == "inbox":
            inbox_message = {
                "id": new_id(), "created_at": moment, "user_id": int(row["address"]), "event_id": row["event_id"],
                "event_type": DIGEST_EVENT_TYPE, "title": (row["subject"] or "")[:300], "body": row["body"],
                "link": None,
            }  # fmt: skip
            row.update(state=DeliveryState.sent, attempts=1, sent_at=now, provider_message_id=str(inbox_message["id"]))
        async with sessions() as session:
            if not await insert_once(session, [row]):
                await session.rollback()  # today's digest exists: these items wait for tomorrow's
                continue
            ids = [r.id for r in items]
            await session.execute(
                update(D)
                .where(D.c.id.in_(ids), D.c.state == DeliveryState.digest)
                .values(state=DeliveryState.digested, digest_id=row["id"])
            )
            if inbox_message is not None:
                await session.execute(insert(INBOX), [inbox_message])
            await session.commit()
        made, carried = made + 1, carried + len(items)
        if inbox_message is None:
            to_send.append(row["id"])
    return DigestRun(made, carried, to_send)
