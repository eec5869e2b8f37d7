"""Signing in: password and refresh grants, throttled guessing, password changes.

Guessing is throttled per (username, client) — the right password from another client still
works, so nobody can lock an account for everyone — and per client across usernames. Failures
count within a time window; the rows stay (the audit trail has them too).
"""

import dataclasses
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import AuthSession, LoginFailure, Org, UserAccount
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from ..audit.writer import record_audit
from ..core.error_catalogue import INVALID_INPUT
from ..core.errors import ApiError
from . import passwords, tokens
from .errors import (
    INVALID_CREDENTIALS,
    INVALID_GRANT,
    LOGIN_THROTTLED,
    NOT_A_USER,
    PASSWORD_LOGIN_DISABLED,
    WEAK_PASSWORD,
)
from .principal import Principal, Role, system_principal
from .schemas import TokenResponse
from .sessions import revoke_one, revoke_sessions

__all__ = ["change_own_password", "org_name", "password_grant", "refresh_grant", "revoke_sessions"]

#: failures older than this are deleted when new ones are written (counts use the window)
KEEP_FAILURES = timedelta(days=7)


def _bad_credentials() -> ApiError:
    return INVALID_CREDENTIALS.error(headers={"WWW-Authenticate": "Bearer"})


def _throttled(minutes: int) -> ApiError:
    return LOGIN_THROTTLED.error(minutes=minutes, headers={"Retry-After": str(minutes * 60)})


def policy_error(password: str, username: str | None, field: str) -> ApiError | None:
    problems = passwords.policy_problems(password, username)
    if not problems:
        return None
    return WEAK_PASSWORD.error(
        message="密码不符合要求：" + "；".join(zh for zh, _ in problems),
        message_en="The password does not meet the policy: " + "; ".join(en for _, en in problems),
        details=[{"field": field, "reason": en} for _, en in problems],
    )


async def _failures(session: AsyncSession, since: object, username: str | None, client: str) -> int:
    stmt = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    stmt = stmt.where(LoginFailure.client_addr == client)
    if username is not None:
        stmt = stmt.where(LoginFailure.username == username)
    return int((await session.execute(stmt)).scalar_one())


async def _last_success(session: AsyncSession, user_id: int, client: str) -> object:
    stmt = select(func.max(AuthSession.created_at)).where(
        AuthSession.user_id == user_id, AuthSession.client_addr == client
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _principal_of(user: UserAccount, session_id: str | None, client: str | None) -> Principal:
    from .deps import server_request_id

    return Principal(
        kind="user",
        id=user.id or 0,
        name=user.username,
        role=Role(user.role),
        org_id=user.org_id,
        org_path=user.org_path,
        session_id=session_id,
        client_addr=client,
        request_id=server_request_id(),
    )


async def _audit_auth(
    session: AsyncSession, action: str, username: str, user: UserAccount | None, client: str | None, **after: object
) -> None:
    """A sign-in event nobody is signed in for yet: written by `auth` on the system chain."""
    from .deps import server_request_id

    actor = dataclasses.replace(system_principal("auth"), client_addr=client, request_id=server_request_id())
    await record_audit(
        session,
        actor,
        action,
        "user",
        (user.id or 0) if user else username[:40],
        before=None,
        after={"username": username[:64], **after},
        org_path=user.org_path if user else None,
    )


async def _issue_tokens(
    session: AsyncSession, settings: Settings, secret: str, user: UserAccount, auth_session: AuthSession
) -> TokenResponse:
    refresh_secret = tokens.new_secret()
    now = utcnow()
    if auth_session.refresh_hash:
        auth_session.prev_refresh_hash = auth_session.refresh_hash
    auth_session.refresh_hash = tokens.digest(refresh_secret)
    auth_session.refresh_expires_at = min(
        now + timedelta(days=settings.refresh_token_days),
        auth_session.created_at + timedelta(hours=settings.session_max_hours),
    )
    auth_session.last_used_at = now
    assert user.id is not None
    access = tokens.create_access_token(
        secret,
        user.id,
        auth_session.id,
        settings.access_token_minutes,
        must_change_password=user.must_change_password,
    )
    return TokenResponse(
        access_token=access,
        expires_in=settings.access_token_minutes * 60,
        refresh_token=f"{auth_session.id}.{refresh_secret}",
        must_change_password=user.must_change_password,
    )


async def password_grant(
    session: AsyncSession, settings: Settings, secret: str, username: str, password: str, client: str | None
) -> TokenResponse:
    window = settings.login_window_minutes
    now = utcnow()
    since = now - timedelta(minutes=window)
    where = client or ""
    user = (await session.execute(select(UserAccount).where(UserAccount.username == username))).scalar_one_or_none()
    if user is not None:
        last = await _last_success(session, user.id or 0, where)
        if last is not None and last > since:
            since = last  # failures before the last success from this client no longer count
    pair = await _failures(session, since, username, where)
    from_client = await _failures(session, now - timedelta(minutes=window), None, where)
    if pair >= settings.login_max_failures or from_client >= settings.login_max_failures * 4:
        scope = "user_client" if pair >= settings.login_max_failures else "client"
        await _audit_auth(session, "auth.throttled", username, user, client, scope=scope, window_minutes=window)
        await session.commit()
        raise _throttled(window)
    ok, new_hash = await passwords.verify_async(password, user.password_hash if user else passwords.DUMMY_HASH)
    if user is None or not ok or user.disabled_at is not None:
        session.add(LoginFailure(username=username[:64], client_addr=where))
        await session.execute(
            delete(LoginFailure).where(LoginFailure.username == username[:64], LoginFailure.at < now - KEEP_FAILURES)
        )
        reason = "unknown user" if user is None else ("account disabled" if ok else "wrong password")
        await _audit_auth(session, "auth.login_failed", username, user, client, reason=reason, failures=pair + 1)
        await session.commit()  # the failure counts even though the request fails
        raise _bad_credentials()
    if not user.password_login:
        # told only to whoever knows the password: nobody learns an account's setting by guessing
        await _audit_auth(session, "auth.login_failed", username, user, client, reason="password sign-in disabled")
        await session.commit()
        raise PASSWORD_LOGIN_DISABLED.error()
    if new_hash:
        user.password_hash = new_hash  # argon2 parameters changed since this hash was made
    auth_session = AuthSession(
        id=secrets.token_hex(16), user_id=user.id or 0, refresh_hash="", refresh_expires_at=now, client_addr=where
    )
    session.add(auth_session)
    response = await _issue_tokens(session, settings, secret, user, auth_session)
    await record_audit(
        session,
        _principal_of(user, auth_session.id, client),
        "auth.login",
        "user",
        user.id or 0,
        before=None,
        after={"session": tokens.session_ref(auth_session.id), "must_change_password": user.must_change_password},
        org_path=user.org_path,
    )
    return response


async def refresh_grant(session: AsyncSession, settings: Settings, secret: str, refresh_token: str) -> TokenResponse:
    session_id, sep, refresh_secret = refresh_token.partition(".")
    invalid = INVALID_GRANT.error()
    if not sep:
        raise invalid
    auth_session = await session.get(AuthSession, session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise invalid
    presented = tokens.digest(refresh_secret)
    if not tokens.same(auth_session.refresh_hash, presented):
        if auth_session.prev_refresh_hash and tokens.same(auth_session.prev_refresh_hash, presented):
            # the refresh token rotated out last came back: someone copied it. End the session.
            await revoke_one(session, auth_session, "refresh token reused", None)
            await session.commit()
        raise invalid  # a session id with a made-up secret ends nothing
    now = utcnow()
    expired = None
    if tokens.session_too_old(auth_session.created_at, settings.session_max_hours, now):
        expired = "absolute session age reached"
    elif now - auth_session.last_used_at >= timedelta(minutes=settings.session_idle_minutes):
        expired = "idle timeout"
    elif auth_session.refresh_expires_at <= now:
        expired = "refresh token expired"
    if expired:
        await revoke_one(session, auth_session, expired, None)
        await session.commit()
        raise invalid
    user = await session.get(UserAccount, auth_session.user_id)
    if user is None or user.disabled_at is not None:
        raise invalid
    return await _issue_tokens(session, settings, secret, user, auth_session)


async def change_own_password(session: AsyncSession, principal: Principal, current: str, new: str) -> None:
    if principal.kind != "user":
        raise NOT_A_USER.error()
    user = await session.get(UserAccount, principal.id)
    assert user is not None
    ok, _ = await passwords.verify_async(current, user.password_hash)
    if not ok:
        raise INVALID_INPUT.error(
            message="当前密码错误",
            message_en="The current password is wrong",
            details=[{"field": "body.current_password", "reason": "wrong password"}],
        )
    if current == new:
        raise INVALID_INPUT.error(
            message="新密码不能与当前密码相同",
            message_en="The new password equals the current one",
            details=[{"field": "body.new_password", "reason": "unchanged"}],
        )
    if (weak := policy_error(new, user.username, "body.new_password")) is not None:
        raise weak
    user.password_hash = await passwords.hash_password_async(new)
    user.password_changed_at = user.updated_at = utcnow()
    user.must_change_password = False
    await revoke_sessions(session, principal.id, "password changed", keep=principal.session_id, by=principal)
    await record_audit(
        session,
        principal,
        "user.password_changed",
        "user",
        principal.id,
        before=None,
        after={"password_changed_at": user.password_changed_at.isoformat()},
        org_path=user.org_path,
    )


async def org_name(session: AsyncSession, org_id: int) -> str:
    org = await session.get(Org, org_id)
    return org.name if org else ""
