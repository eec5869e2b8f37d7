"""Single sign-on's common half: the browser's sign-in state, matching an identity to an account,
and opening the session.

The state of a sign-in in progress (provider, `state`, OIDC `nonce` and PKCE verifier, where to go
next) rides in an HttpOnly, SameSite=Lax cookie signed with the JWT secret (audience
`rectify-sso`, 10 minutes): the callback only proceeds in the browser that started the sign-in.

An external identity is matched to an existing account by one configured field — username, 工号
(`employee_no`) or phone (through its keyed blind index; the phone itself is encrypted). Nothing is
ever created and no role changes: an unknown identity is refused. The session opened is the same
as a password sign-in's, so the console holds it the same way (see `console_redirect`).
"""

import secrets
import time
from typing import Any
from urllib.parse import quote

import jwt
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import data_keys
from rectify_shared.models import AuthSession, UserAccount
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from ..audit.writer import record_audit
from ..core.error_catalogue import raises
from ..core.errors import ApiError
from . import tokens
from .errors import CATALOGUE
from .service import _audit_auth, _issue_tokens, _principal_of

COOKIE = "rectify_sso"
COOKIE_PATH = "/api/v1/auth/"
AUDIENCE = "rectify-sso"
STATE_SECONDS = 600
CONSOLE_LOGIN = "/console/login"

#: code → (status, 中文, English)
MESSAGES: dict[str, tuple[int, str, str]] = {
    "sso_not_configured": (404, "未配置该统一身份认证方式", "This single sign-on provider is not configured"),
    "sso_state_invalid": (
        400,
        "登录请求已失效或不是从本浏览器发起，请重新登录",
        "The sign-in request expired or was not started in this browser; sign in again",
    ),
    "unknown_identity": (
        403,
        "该统一身份认证账号未关联本平台用户，请联系管理员开通",
        "This single sign-on identity is not linked to any Rectify account; ask an administrator to link it",
    ),
    "ambiguous_identity": (
        403,
        "该统一身份认证账号对应多个平台用户，无法确定身份，请联系管理员",
        "This single sign-on identity matches more than one Rectify account; ask an administrator",
    ),
    "account_disabled": (403, "账号已停用，请联系管理员", "The account is disabled; ask an administrator"),
    "no_identity_claim": (
        403,
        "统一身份认证未提供用于识别用户的信息，请联系管理员",
        "The identity provider did not send the claim or attribute that identifies the person",
    ),
    "nonce_mismatch": (
        401,
        "身份令牌与本次登录不符（nonce 校验失败），已拒绝",
        "The ID token does not belong to this sign-in (nonce mismatch)",
    ),
    "id_token_invalid": (401, "统一身份认证返回的身份令牌无效", "The identity provider's ID token is invalid"),
    "code_rejected": (
        401,
        "统一身份认证拒绝了本次登录凭据，请重新登录",
        "The identity provider rejected the authorization code; sign in again",
    ),
    "ticket_rejected": (
        401,
        "统一身份认证拒绝了本次登录票据，请重新登录",
        "The CAS server rejected the service ticket; sign in again",
    ),
    "provider_error": (401, "统一身份认证未完成登录", "The identity provider did not complete the sign-in"),
    "provider_unavailable": (
        502,
        "统一身份认证服务暂不可用，请稍后再试",
        "The identity provider is unavailable; try again later",
    ),
    "provider_misconfigured": (
        502,
        "统一身份认证服务的应答不符合规范，请联系管理员",
        "The identity provider's answer is not as the standard requires; ask an administrator",
    ),
}


#: the messages above, catalogued (the auth domain's `errors.CATALOGUE`)
SSO_CODES = {code: CATALOGUE.code(code, status, zh, en) for code, (status, zh, en) in MESSAGES.items()}


@raises(*SSO_CODES.values())
def sso_error(code: str) -> ApiError:
    return SSO_CODES[code].error()


def new_state(provider: str, next_path: str, **extra: str) -> dict[str, Any]:
    return {"p": provider, "state": secrets.token_urlsafe(24), "next": next_path, **extra}


def seal(secret: str, state: dict[str, Any]) -> str:
    now = int(time.time())
    return jwt.encode({**state, "aud": AUDIENCE, "iat": now, "exp": now + STATE_SECONDS}, secret, algorithm="HS256")


def unseal(secret: str, cookie: str | None, provider: str, state: str | None) -> dict[str, Any]:
    """The sign-in's state from its cookie, which must name this provider and this `state`."""
    if not cookie or not state:
        raise sso_error("sso_state_invalid")
    try:
        data: dict[str, Any] = jwt.decode(cookie, secret, algorithms=["HS256"], audience=AUDIENCE)
    except jwt.InvalidTokenError as exc:
        raise sso_error("sso_state_invalid") from exc
    if data.get("p") != provider or not tokens.same(str(data.get("state", "")), state):
        raise sso_error("sso_state_invalid")
    return data


def safe_next(value: str | None) -> str:
    """A console route to return to (`/ledger`), never another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 500:
        return "/"
    return value


def console_redirect(refresh_token: str, next_path: str) -> str:
    """Where the callback sends the browser: the console's sign-in page, with the new session's
    refresh token in the fragment (never sent to a server, removed from the address bar at once).
    The console redeems it at POST /auth/token (grant_type=refresh_token), as after any sign-in;
    redemption rotates it, so the copy in the browser's history is worthless — and presenting it
    again ends the session (refresh-token reuse)."""
    return f"{CONSOLE_LOGIN}#sso={quote(refresh_token, safe='')}&next={quote(next_path, safe='')}"


def error_redirect(code: str) -> str:
    return f"{CONSOLE_LOGIN}?sso_error={code}"


async def find_account(session: AsyncSession, match: str, value: str) -> list[UserAccount]:
    stmt = select(UserAccount)
    if match == "employee_no":
        stmt = stmt.where(col(UserAccount.employee_no) == value)
    elif match == "phone":
        keys = data_keys.installed()
        candidates = keys.index_candidates(value) if keys else []
        if not candidates:
            return []
        stmt = stmt.where(col(UserAccount.phone_index).in_(candidates))
    else:
        stmt = stmt.where(col(UserAccount.username) == value)
    return list((await session.execute(stmt.limit(2))).scalars().all())


async def refusal(
    session: AsyncSession,
    provider: str,
    code: str,
    client: str | None,
    label: str = "",
    user: UserAccount | None = None,
) -> ApiError:
    """A refused single sign-on, audited and committed (the request itself fails): the error."""
    await _audit_auth(session, "auth.login_failed", label or provider, user, client, reason=code, method=provider)
    await session.commit()
    return sso_error(code)


async def sign_in(
    session: AsyncSession,
    settings: Settings,
    secret: str,
    *,
    provider: str,
    match: str,
    value: str | None,
    client: str | None,
) -> str:
    """The refresh token of a new session for the account `value` names; refusals are audited
    (and committed) before they are raised."""
    label = f"{provider}:{(value or '')[:40]}" if match != "phone" else f"{provider}:phone"

    async def refuse(code: str, user: UserAccount | None = None) -> ApiError:
        return await refusal(session, provider, code, client, label, user)

    if not value or not value.strip():
        raise await refuse("no_identity_claim")
    found = await find_account(session, match, value.strip())
    if not found:
        raise await refuse("unknown_identity")
    if len(found) > 1:
        raise await refuse("ambiguous_identity")
    user = found[0]
    if user.disabled_at is not None:
        raise await refuse("account_disabled", user)
    now = utcnow()
    auth_session = AuthSession(
        id=secrets.token_hex(16),
        user_id=user.id or 0,
        refresh_hash="",
        refresh_expires_at=now,
        client_addr=client or "",
    )
    session.add(auth_session)
    issued = await _issue_tokens(session, settings, secret, user, auth_session)
    await record_audit(
        session,
        _principal_of(user, auth_session.id, client),
        "auth.login",
        "user",
        user.id or 0,
        before=None,
        after={"session": tokens.session_ref(auth_session.id), "method": provider, "matched_by": match},
        org_path=user.org_path,
    )
    await session.commit()
    return issued.refresh_token
