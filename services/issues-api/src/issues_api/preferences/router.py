"""The signed-in user's notification preferences (per event kind and channel: immediate, daily
digest or off) and the phone and email their messages go to."""

from fastapi import APIRouter

from rectify_shared.models import UserAccount
from rectify_shared.notification_prefs import DEFAULT_MODES

from ..auth.deps import Self
from ..core.deps import SessionDep, StateDep
from ..core.errors import errors
from . import service
from .schemas import ContactPatch, ContactRead, PreferencesPut, PreferencesRead

router = APIRouter(prefix="/api/v1", tags=["notifications"])


async def _read(session: SessionDep, state: StateDep, user_id: int) -> PreferencesRead:
    user = await session.get(UserAccount, user_id)
    rows = await service.preferences(session, user_id)
    return PreferencesRead(
        preferences=service.as_items(rows),
        defaults=DEFAULT_MODES,
        digest_time=state.settings.digest_time,
        email=user.email if user else None,
        phone=user.phone if user else None,
        updated_at=max((p.updated_at for p in rows), default=None),
    )


@router.get("/me/notification-preferences", response_model=PreferencesRead, responses=errors(409))
async def get_preferences(principal: Self, session: SessionDep, state: StateDep) -> PreferencesRead:
    """How your messages reach you. The most specific preference wins (event type and level,
    then event type, then "*"); none: the inbox at once, no email or SMS. 督办 and 约谈
    always reach you at once, whatever is set for `escalation.issued` as a whole."""
    user = await service.own_account(session, principal)
    return await _read(session, state, user.id or 0)


@router.put("/me/notification-preferences", response_model=PreferencesRead, responses=errors(409, 415, 422))
async def put_preferences(
    data: PreferencesPut, principal: Self, session: SessionDep, state: StateDep
) -> PreferencesRead:
    """Replace your preferences. `digest` gathers a kind's messages into one a day (at
    `digest_time`; inbox and email only). `off` or `digest` for the 督办/约谈 levels is refused."""
    user = await service.own_account(session, principal)
    await service.replace(session, principal, user, data.preferences)
    await session.commit()
    return await _read(session, state, user.id or 0)


def contact_read(user: UserAccount) -> ContactRead:
    return ContactRead(
        display_name=user.display_name,
        phone=user.phone,
        email=user.email,
        wecom_userid=user.wecom_userid,
        dingtalk_userid=user.dingtalk_userid,
    )


@router.get("/me/contact", response_model=ContactRead, responses=errors(409))
async def get_contact(principal: Self, session: SessionDep) -> ContactRead:
    user = await service.own_account(session, principal)
    return contact_read(user)


@router.patch("/me/contact", response_model=ContactRead, responses=errors(409, 415, 422))
async def patch_contact(data: ContactPatch, principal: Self, session: SessionDep) -> ContactRead:
    """Set your own name, mobile phone (for SMS), email, 企业微信 userid and 钉钉 userid (where
    work messages reach you; kept encrypted); `null` clears one."""
    user = await service.own_account(session, principal)
    await service.update_contact(session, principal, user, data)
    await session.commit()
    return contact_read(user)
