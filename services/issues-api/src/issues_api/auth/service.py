"""Signing in: password and refresh grants, throttled guessing, password changes."""

import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import AuthSession, LoginFailure, Org, UserAccount
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from ..audit.writer import record_audit
from ..core.errors import ApiError
from . import passwords, tokens
from .principal import Principal, Role
from .schemas import TokenResponse


def _bad_credentials() -> ApiError:
    return ApiError(
        401,
        "invalid_credentials",
        "用户名或密码错误",
        "Wrong username or password",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _throttled(minutes: int) -> ApiError:
    return ApiError(
        429,
        "login_throttled",
        f"登录失败次数过多，请{minutes}分钟后再试",
        f"Too many failed sign-ins; try again in {minutes} minutes",
        headers={"Retry-After": str(minutes * 60)},
    )


async def _failures_since(
    session: AsyncSession, since: object, *, username: str | None = None, client: str | None = None
) -> int:
    stmt = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    stmt = (
        stmt.where(LoginFailure.username == username)
        if username is not None
        else stmt.where(LoginFailure.client_addr == client)
    )
    return int((await session.execute(stmt)).scalar_one())


def _principal_of(user: UserAccount, session_id: str | None, client: str | None) -> Principal:
    return Principal(
        kind="user",
        id=user.id or 0,
        name=user.username,
        role=Role(user.role),
        org_id=user.org_id,
        org_path=user.org_path,
        session_id=session_id,
        client_addr=client,
    )


async def _issue_tokens(
    session: AsyncSession, settings: Settings, secret: str, user: UserAccount, auth_session: AuthSession
) -> TokenResponse:
    refresh_secret = tokens.new_secret()
    auth_session.refresh_hash = tokens.digest(refresh_secret)
    auth_session.refresh_expires_at = utcnow() + timedelta(days=settings.refresh_token_days)
    auth_session.last_used_at = utcnow()
    assert user.id is not None
    access = tokens.create_access_token(secret, user.id, auth_session.id, settings.access_token_minutes)
    return TokenResponse(
        access_token=access,
        expires_in=settings.access_token_minutes * 60,
        refresh_token=f"{auth_session.id}.{refresh_secret}",
    )


async def password_grant(
    session: AsyncSession, settings: Settings, secret: str, username: str, password: str, client: str | None
) -> TokenResponse:
    window = settings.login_window_minutes
    since = utcnow() - timedelta(minutes=window)
    if await _failures_since(session, since, username=username) >= settings.login_max_failures or (
        client is not None and await _failures_since(session, since, client=client) >= settings.login_max_failures * 4
    ):
        raise _throttled(window)
    user = (await session.execute(select(UserAccount).where(UserAccount.username == username))).scalar_one_or_none()
    ok, new_hash = passwords.verify(password, user.password_hash if user else passwords.DUMMY_HASH)
    if user is None or not ok or user.disabled_at is not None:
        session.add(LoginFailure(username=username[:64], client_addr=client))
        await session.commit()  # the failure counts even though the request fails
        raise _bad_credentials()
    if new_hash:
        user.password_hash = new_hash  # argon2 parameters changed since this hash was made
    await session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    auth_session = AuthSession(
        id=secrets.token_hex(16), user_id=user.id or 0, refresh_hash="", refresh_expires_at=utcnow(), client_addr=client
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
        after={"session_id": auth_session.id},
        org_path=user.org_path,
    )
    return response


async def refresh_grant(session: AsyncSession, settings: Settings, secret: str, refresh_token: str) -> TokenResponse:
    session_id, sep, refresh_secret = refresh_token.partition(".")
    invalid = ApiError(401, "invalid_grant", "刷新令牌无效或已过期", "Invalid or expired refresh token")
    if not sep:
        raise invalid
    auth_session = await session.get(AuthSession, session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise invalid
    if not tokens.same(auth_session.refresh_hash, tokens.digest(refresh_secret)):
        # a rotated-out refresh token came back: someone copied it. End the session.
        auth_session.revoked_at, auth_session.revoked_reason = utcnow(), "refresh token reused"
        await session.commit()
        raise invalid
    if auth_session.refresh_expires_at <= utcnow():
        raise invalid
    user = await session.get(UserAccount, auth_session.user_id)
    if user is None or user.disabled_at is not None:
        raise invalid
    return await _issue_tokens(session, settings, secret, user, auth_session)


async def revoke_sessions(session: AsyncSession, user_id: int, reason: str, keep: str | None = None) -> None:
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    await session.execute(stmt.values(revoked_at=utcnow(), revoked_reason=reason))


async def change_own_password(session: AsyncSession, principal: Principal, current: str, new: str) -> None:
    if principal.kind != "user":
        raise ApiError(409, "not_a_user", "API 密钥没有密码", "API keys have no password")
    user = await session.get(UserAccount, principal.id)
    assert user is not None
    ok, _ = passwords.verify(current, user.password_hash)
    if not ok:
        raise ApiError(
            422,
            "invalid_input",
            "当前密码错误",
            "The current password is wrong",
            [{"field": "body.current_password", "reason": "wrong password"}],
        )
    if current == new:
        raise ApiError(
            422,
            "invalid_input",
            "新密码不能与当前密码相同",
            "The new password equals the current one",
            [{"field": "body.new_password", "reason": "unchanged"}],
        )
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = user.updated_at = utcnow()
    await revoke_sessions(session, principal.id, "password changed", keep=principal.session_id)
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
