"""The signed-in user's own notification preferences and contact details."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import NotificationPreference, UserAccount
from rectify_shared.models.types import utcnow
from rectify_shared.notification_prefs import (
    DIGEST_CHANNELS,
    LEVELLED_EVENT_TYPES,
    PERSONAL_EVENT_TYPES,
    URGENT_LEVELS,
)

from ..audit.writer import diff, record_audit
from ..auth.principal import Principal
from .errors import INVALID_PREFERENCES, NOT_A_PERSON
from .schemas import ContactPatch, PreferenceItem

URGENT_WHY = (
    "督办、约谈是正式的督办措施，必须即时送达本人：不能关闭，也不能改为每日汇总",
    "Escalations at supervision (督办) or summons (约谈) level are formal acts that must reach the person "
    "at once: they cannot be turned off or held for the daily digest",
)


async def own_account(session: AsyncSession, principal: Principal) -> UserAccount:
    """The caller's account; an API key has no person behind it to notify (409)."""
    user = await session.get(UserAccount, principal.id) if principal.kind == "user" else None
    if user is None:
        raise NOT_A_PERSON.error()
    return user


def _problems(items: Sequence[PreferenceItem]) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for i, p in enumerate(items):
        field = f"body.preferences.{i}"
        key = (p.event_type, p.level or "", p.channel)
        if p.event_type != "*" and p.event_type not in PERSONAL_EVENT_TYPES:
            allowed = ", ".join(["*", *PERSONAL_EVENT_TYPES])
            problems.append({"field": f"{field}.event_type", "reason": f"must be one of {allowed}"})
        elif p.level and p.event_type not in LEVELLED_EVENT_TYPES:
            problems.append({"field": f"{field}.level", "reason": "a level only narrows escalation.issued"})
        elif p.level in URGENT_LEVELS and p.mode != "immediate":
            problems.append({"field": f"{field}.mode", "reason": URGENT_WHY[1]})
        elif p.mode == "digest" and p.channel not in DIGEST_CHANNELS:
            problems.append({"field": f"{field}.mode", "reason": "SMS has no digest: immediate or off"})
        elif key in seen:
            problems.append({"field": field, "reason": "the same event type, level and channel twice"})
        seen.add(key)
    return problems


def check(items: Sequence[PreferenceItem]) -> None:
    problems = _problems(items)
    if not problems:
        return
    urgent = any(p["reason"] == URGENT_WHY[1] for p in problems)
    message, message_en = URGENT_WHY if urgent else ("通知设置不合法", "Invalid notification preferences")
    raise INVALID_PREFERENCES.error(message=message, message_en=message_en, details=problems)


async def preferences(session: AsyncSession, user_id: int) -> list[NotificationPreference]:
    stmt = select(NotificationPreference).where(col(NotificationPreference.user_id) == user_id)
    rows = (await session.execute(stmt)).scalars().all()
    return sorted(rows, key=lambda p: (p.event_type, p.level, p.channel))


def as_items(rows: Sequence[NotificationPreference]) -> list[PreferenceItem]:
    return [
        PreferenceItem(event_type=p.event_type, level=p.level or None, channel=p.channel, mode=p.mode) for p in rows
    ]


async def replace(
    session: AsyncSession, principal: Principal, user: UserAccount, items: Sequence[PreferenceItem]
) -> list[NotificationPreference]:
    check(items)
    user_id = user.id or 0
    before = [i.model_dump() for i in as_items(await preferences(session, user_id))]
    await session.execute(delete(NotificationPreference).where(col(NotificationPreference.user_id) == user_id))
    now = utcnow()
    rows = [
        NotificationPreference(
            user_id=user_id,
            event_type=p.event_type,
            level=p.level or "",
            channel=p.channel,
            mode=p.mode,
            updated_at=now,
        )
        for p in items
    ]
    session.add_all(rows)
    await session.flush()
    await record_audit(
        session,
        principal,
        "notification_preferences.replaced",
        "user",
        user_id,
        before={"preferences": before},
        after={"preferences": [i.model_dump() for i in items]},
        org_path=user.org_path,
    )
    return sorted(rows, key=lambda p: (p.event_type, p.level, p.channel))


async def update_contact(session: AsyncSession, principal: Principal, user: UserAccount, data: ContactPatch) -> None:
    fields = data.model_fields_set
    names = ("display_name", "phone", "email", "wecom_userid", "dingtalk_userid")
    before = {name: getattr(user, name) for name in names}
    for name in names:
        if name in fields:
            value = getattr(data, name)
            setattr(user, name, str(value) if name == "email" and value else value)
    old, new = diff(before, {name: getattr(user, name) for name in names})
    if new or old:
        user.updated_at = utcnow()
        await record_audit(
            session,
            principal,
            "user.contact_updated",
            "user",
            user.id or 0,
            before=old,
            after=new,
            org_path=user.org_path,
        )
