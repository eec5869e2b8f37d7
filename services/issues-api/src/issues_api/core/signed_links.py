"""Short-lived signed URLs for what a browser opens without an Authorization header: a file in
an `<img src>` or `<a href>` of a WeChat/DingTalk webview, an EventSource.

A token binds the thing (kind and id), its expiry and the scope of the caller who asked for it
(its org path; exact for a unit). The server keeps nothing: the token is signed with HMAC-SHA256
under a key derived from the access-token key, and the download checks the scope again (a file
moved out of the caller's sight stops opening). Tokens live minutes; they are not revoked.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db import enter_tenant
from rectify_shared.db_fast import dialect_of
from rectify_shared.models.types import utcnow

from ..auth.principal import Principal, Scope
from .deps import get_state
from .error_catalogue import LINK_EXPIRED, LINK_INVALID, raises
from .errors import ApiError

DEFAULT_MINUTES, MAX_MINUTES = 10, 60
#: what a token looks like: two base64url parts joined by a dot
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,600}\.[A-Za-z0-9_-]{43}$"

Minutes = Annotated[
    int, Query(ge=1, le=MAX_MINUTES, description=f"How long the link works, 1–{MAX_MINUTES} minutes / 有效分钟数")
]
Token = Annotated[
    str,
    Query(
        pattern=TOKEN_PATTERN,
        max_length=700,
        description="The signed token of a link made by a `…/link` call (expires in minutes) / 签名令牌",
    ),
]


class SignedLink(BaseModel):
    url: str = Field(
        description="Absolute URL that works without an Authorization header until `expires_at` / 免登录的短时链接",
        examples=["https://rectify.example.gov.cn/api/v1/attachments/7/signed?token=eyJrIjoiYSIsImkiOjd9.…"],
    )
    path: str = Field(
        description="The same, relative to the API's origin", examples=["/api/v1/attachments/7/signed?token=…"]
    )
    expires_at: datetime = Field(examples=["2024-12-01T01:10:00Z"])


@dataclass(frozen=True)
class Grant:
    kind: str
    id: int
    scope: Scope
    expires_at: datetime


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"rectify signed links v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, kind: str, target_id: int, principal: Principal, minutes: int) -> tuple[str, datetime]:
    expires = (utcnow() + timedelta(minutes=minutes)).replace(microsecond=0)
    scope = principal.scope
    body = {"k": kind, "i": str(target_id), "e": int(expires.timestamp()), "p": scope.path, "x": scope.exact}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    mac = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{mac}", expires


@raises(LINK_INVALID, LINK_EXPIRED)
def _refused(code: str, zh: str, en: str) -> ApiError:
    return ApiError(403, code, zh, en)


def verify(secret: str, kind: str, target_id: int | None, token: str) -> Grant:
    """The grant of a token for this thing (`target_id` None: any id of the kind, e.g. a stream
    signed for a caller); 403 when it is forged, for something else, or expired."""
    payload, _, mac = token.partition(".")
    good = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(good, mac):
        raise _refused("link_invalid", "链接无效", "The link is not valid")
    try:
        body = json.loads(_unb64(payload))
        grant = Grant(
            kind=str(body["k"]),
            id=int(body["i"]),
            scope=Scope(str(body["p"]), exact=bool(body["x"])),
            expires_at=datetime.fromtimestamp(int(body["e"]), tz=UTC),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise _refused("link_invalid", "链接无效", "The link is not valid") from exc
    if grant.kind != kind or (target_id is not None and grant.id != target_id):
        raise _refused("link_invalid", "链接与所请求的内容不符", "The link is for something else")
    if grant.expires_at <= utcnow():
        raise _refused("link_expired", "链接已过期，请重新获取", "The link has expired; ask for a new one")
    return grant


def link(request: Request, path: str, token: str, expires_at: datetime) -> SignedLink:
    relative = f"{path}?token={token}"
    return SignedLink(url=str(request.base_url).rstrip("/") + relative, path=relative, expires_at=expires_at)


async def enter_scope(request: Request, session: AsyncSession, scope: Scope) -> None:
    """The row-level security backstop a signed-in request enters (auth.deps.require), for a grant."""
    app_role = get_state(request).settings.db_app_role
    if app_role and dialect_of(session).name == "postgresql":
        await enter_tenant(session, app_role, scope.path)
