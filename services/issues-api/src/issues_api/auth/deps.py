"""Authentication and the one place policies are enforced.

`require("ledger.write")` is the dependency a route declares: it authenticates the caller
(bearer JWT or API key), applies the per-client rate limit, and checks the caller's role
against the policy table. Object scope is enforced where queries are built (repositories take
`principal.scope`); objects outside it are 404, so their existence does not leak.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import bindparam, select

from rectify_shared.db import enter_tenant
from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.models import ApiKey, AuthSession, UserAccount
from rectify_shared.models.types import utcnow

from ..core import idempotency
from ..core.deps import SessionDep, get_state
from ..core.error_catalogue import FORBIDDEN, TOO_MANY_REQUESTS, UNAUTHORIZED
from ..core.errors import ApiError
from . import request_context, tokens
from .errors import PASSWORD_CHANGE_REQUIRED
from .policies import POLICIES
from .principal import Principal, Role

# Declares the bearer scheme in OpenAPI (the token endpoint takes the OAuth2 password form).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def unauthorized(message_en: str = "Not authenticated", message: str = "未认证或凭据无效") -> ApiError:
    return UNAUTHORIZED.error(message=message, message_en=message_en, headers={"WWW-Authenticate": "Bearer"})


def forbidden() -> ApiError:
    return FORBIDDEN.error(message="当前角色无权执行此操作", message_en="Your role may not do this")


def client_addr(request: Request) -> str | None:
    """The client as resolved through trusted proxies (auth/request_context.py)."""
    return request.client.host if request.client else None


def server_request_id() -> str | None:
    """The server-made id of this request (audit records carry it, never the client's X-Request-ID)."""
    ctx = request_context.current()
    return ctx.request_id if ctx else None


def password_change_required() -> ApiError:
    return PASSWORD_CHANGE_REQUIRED.error()


#: what a user whose password must change may still do
MUST_CHANGE_ALLOWED = frozenset({"/api/v1/me/password", "/api/v1/auth/logout"})


#: a request by API key (a provincial system's poller) runs this: columns, one statement object
_API_KEY = select(
    ApiKey.id,
    ApiKey.key_id,
    ApiKey.secret_hash,
    ApiKey.role,
    ApiKey.org_id,
    ApiKey.org_path,
    ApiKey.expires_at,
    ApiKey.revoked_at,
).where(ApiKey.key_id == bindparam("key_id"))


async def _from_api_key(session: Any, token: str, request: Request) -> Principal:
    parsed = tokens.parse_api_key(token)
    if parsed is None:
        raise unauthorized("Malformed API key", "API 密钥格式错误")
    key_id, secret = parsed
    rows = await fetch(session, _API_KEY, {"key_id": key_id})
    key = rows[0] if rows else None
    if key is None or not tokens.same(key.secret_hash, tokens.digest(secret)):
        raise unauthorized("Invalid API key", "API 密钥无效")
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= utcnow()):
        raise unauthorized("API key revoked or expired", "API 密钥已吊销或过期")
    return Principal(
        kind="api_key",
        id=key.id or 0,
        name=f"apikey:{key.key_id}",
        role=Role(key.role),
        org_id=key.org_id,
        org_path=key.org_path,
        client_addr=client_addr(request),
        request_id=server_request_id(),
    )


#: every authenticated request runs this: columns, not entities, and one statement object reused
_SESSION_USER = (
    select(
        UserAccount.id,
        UserAccount.username,
        UserAccount.role,
        UserAccount.org_id,
        UserAccount.org_path,
        UserAccount.disabled_at,
        UserAccount.must_change_password,
        AuthSession.id.label("session_id"),
        AuthSession.revoked_at,
        AuthSession.created_at.label("session_created_at"),
    )
    .join(AuthSession, AuthSession.user_id == UserAccount.id)
    .where(UserAccount.id == bindparam("user_id"), AuthSession.id == bindparam("sid"))
)


async def _from_jwt(session: Any, token: str, request: Request) -> Principal:
    state = get_state(request)
    try:
        claims = tokens.decode_access_token(state.jwt_secret, token)
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError) as exc:
        expired = isinstance(exc, jwt.ExpiredSignatureError)
        raise unauthorized(
            "Access token expired" if expired else "Invalid access token",
            "访问令牌已过期" if expired else "访问令牌无效",
        ) from exc
    rows = await fetch(session, _SESSION_USER, {"user_id": user_id, "sid": claims["sid"]})
    if not rows:
        raise unauthorized("Unknown session", "会话不存在")
    user = rows[0]
    if user.disabled_at is not None:
        raise unauthorized("Account disabled", "账号已停用")
    if user.revoked_at is not None:
        raise unauthorized("Session revoked; sign in again", "会话已注销，请重新登录")
    if tokens.session_too_old(user.session_created_at, state.settings.session_max_hours):
        raise unauthorized("Session expired; sign in again", "会话已超过最长时限，请重新登录")
    return Principal(
        kind="user",
        id=user.id or 0,
        name=user.username,
        role=Role(user.role),
        org_id=user.org_id,
        org_path=user.org_path,
        session_id=user.session_id,
        client_addr=client_addr(request),
        request_id=server_request_id(),
        must_change_password=bool(user.must_change_password),
    )


async def authenticate(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    if not token:
        raise unauthorized()
    if token.startswith(tokens.API_KEY_PREFIX):
        principal = await _from_api_key(session, token, request)
    else:
        principal = await _from_jwt(session, token, request)
    limiter = get_state(request).rate_limiter
    if limiter is not None and not await limiter.hit(f"{principal.kind}:{principal.id}"):
        raise TOO_MANY_REQUESTS.error(
            message="请求过于频繁，请稍后再试",
            message_en="Too many requests; slow down",
            headers={"Retry-After": str(limiter.retry_after_seconds)},
        )
    return principal


_cache: dict[str, Callable[..., Coroutine[Any, Any, Principal]]] = {}


def require(policy: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """The dependency for a route under `policy` (one function per policy name)."""
    if policy not in POLICIES:
        raise KeyError(f"no such policy: {policy}")
    if policy in _cache:
        return _cache[policy]
    roles = POLICIES[policy]

    async def dependency(
        request: Request, session: SessionDep, principal: Annotated[Principal, Depends(authenticate)]
    ) -> Principal:
        if principal.must_change_password and request.url.path not in MUST_CHANGE_ALLOWED:
            raise password_change_required()
        if principal.role not in roles:
            raise forbidden()
        app_role = get_state(request).settings.db_app_role
        if app_role and dialect_of(session).name == "postgresql":
            # the backstop under the repositories' scope filters (migration 0016_rls)
            await enter_tenant(session, app_role, principal.subtree.path)  # "/" for a system admin
        if request.method == "POST":  # an allowed caller's Idempotency-Key, before the route's work
            await idempotency.claim(request, session, principal)
        return principal

    dependency.rectify_policy = policy  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{policy.replace('.', '_')}"
    _cache[policy] = dependency
    return dependency


LedgerReader = Annotated[Principal, Depends(require("ledger.read"))]
LedgerWriter = Annotated[Principal, Depends(require("ledger.write"))]
OrgsWriter = Annotated[Principal, Depends(require("orgs.write"))]
RoundsWriter = Annotated[Principal, Depends(require("rounds.write"))]
ProgressWriter = Annotated[Principal, Depends(require("progress.write"))]
TaskStatusWriter = Annotated[Principal, Depends(require("tasks.status"))]
ChangesReader = Annotated[Principal, Depends(require("changes.read"))]
ReportRequester = Annotated[Principal, Depends(require("reports.request"))]
ReportReader = Annotated[Principal, Depends(require("reports.read"))]
UsersManager = Annotated[Principal, Depends(require("users.manage"))]
ApiKeysManager = Annotated[Principal, Depends(require("apikeys.manage"))]
Self = Annotated[Principal, Depends(require("self"))]
CalendarWriter = Annotated[Principal, Depends(require("calendar.write"))]
DispatchWriter = Annotated[Principal, Depends(require("dispatch.write"))]
EscalationsWriter = Annotated[Principal, Depends(require("escalations.write"))]
EscalationResponder = Annotated[Principal, Depends(require("escalations.respond"))]
WebhooksManager = Annotated[Principal, Depends(require("webhooks.manage"))]
DeliveriesManager = Annotated[Principal, Depends(require("deliveries.manage"))]
TemplatesManager = Annotated[Principal, Depends(require("templates.manage"))]
AttachmentsWriter = Annotated[Principal, Depends(require("attachments.write"))]
AttachmentsAuditor = Annotated[Principal, Depends(require("attachments.audit"))]
ClosuresActor = Annotated[Principal, Depends(require("closures.act"))]
ClosuresManager = Annotated[Principal, Depends(require("closures.manage"))]
ExtensionsRequester = Annotated[Principal, Depends(require("extensions.request"))]
ExtensionsDecider = Annotated[Principal, Depends(require("extensions.decide"))]
PetitionsWriter = Annotated[Principal, Depends(require("petitions.write"))]
PetitionsHandler = Annotated[Principal, Depends(require("petitions.handle"))]
