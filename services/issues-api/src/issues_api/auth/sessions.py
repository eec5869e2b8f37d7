"""A user's sessions: listing and ending their own, and ending them for a reason (audited).

Sessions are shown and audited by a reference (a hash prefix of the id), never by the id
itself; only the session's own user can end it by reference.
"""

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import AuthSession, UserAccount
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from ..audit.writer import record_audit
from ..core.errors import ApiError, not_found
from . import tokens
from .errors import NOT_A_USER
from .principal import Principal, system_principal


class SessionRead(BaseModel):
    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    client_addr: str | None
    current: bool


async def _audit(session: AsyncSession, user_id: int, refs: list[str], reason: str, by: Principal | None) -> None:
    user = await session.get(UserAccount, user_id)
    await record_audit(
        session,
        by or system_principal("auth"),
        "auth.session_revoked",
        "user",
        user_id,
        before=None,
        after={"sessions": refs, "reason": reason},
        org_path=user.org_path if user else None,
    )


async def revoke_one(session: AsyncSession, auth_session: AuthSession, reason: str, by: Principal | None) -> None:
    auth_session.revoked_at, auth_session.revoked_reason = utcnow(), reason[:200]
    await _audit(session, auth_session.user_id, [tokens.session_ref(auth_session.id)], reason, by)


async def revoke_sessions(
    session: AsyncSession, user_id: int, reason: str, keep: str | None = None, *, by: Principal | None = None
) -> None:
    """End every open session of the user (but `keep`), with one audit record naming them."""
    stmt = select(AuthSession).where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
    if keep is not None:
        stmt = stmt.where(col(AuthSession.id) != keep)
    rows = (await session.execute(stmt)).scalars().all()
    if not rows:
        return
    now = utcnow()
    for row in rows:
        row.revoked_at, row.revoked_reason = now, reason[:200]
    await _audit(session, user_id, [tokens.session_ref(r.id) for r in rows], reason, by)


def _not_a_user() -> ApiError:
    return NOT_A_USER.error(message="API 密钥没有会话", message_en="API keys have no sessions")


async def open_sessions(session: AsyncSession, principal: Principal, settings: Settings) -> list[SessionRead]:
    if principal.kind != "user":
        raise _not_a_user()
    rows = (
        (
            await session.execute(
                select(AuthSession)
                .where(col(AuthSession.user_id) == principal.id, col(AuthSession.revoked_at).is_(None))
                .order_by(col(AuthSession.created_at).desc())
            )
        )
        .scalars()
        .all()
    )
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    return [
        SessionRead(
            id=tokens.session_ref(r.id),
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            expires_at=min(r.refresh_expires_at, r.last_used_at + idle),
            client_addr=r.client_addr or None,
            current=r.id == principal.session_id,
        )
        for r in rows
        if r.refresh_expires_at > now and not tokens.session_too_old(r.created_at, settings.session_max_hours, now)
    ]


async def end_own_session(session: AsyncSession, principal: Principal, ref: str | None, reason: str) -> None:
    """End the caller's session `ref` (None = the current one); someone else's is 404."""
    if principal.kind != "user":
        raise _not_a_user()
    rows = (
        (
            await session.execute(
                select(AuthSession).where(
                    col(AuthSession.user_id) == principal.id, col(AuthSession.revoked_at).is_(None)
                )
            )
        )
        .scalars()
        .all()
    )
    target = next(
        (r for r in rows if (r.id == principal.session_id if ref is None else tokens.session_ref(r.id) == ref)), None
    )
    if target is None:
        raise not_found("会话", "Session")
    await revoke_one(session, target, reason, principal)
