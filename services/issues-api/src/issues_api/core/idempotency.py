"""`Idempotency-Key` on POST: a client that retries gets the first response replayed.

* `claim()` runs inside every policy dependency (`auth.deps.require`) once the caller is known
  and allowed, before the route's work. It inserts a `pending` row, unique per (principal, key),
  and commits it: of concurrent duplicates exactly one inserts, the others find the row.
* A duplicate whose row is `done` gets the stored response (status, body, `Location`) with
  `Idempotent-Replayed: true`; one whose row is still `pending` waits up to `WAIT_SECONDS` for
  it, then answers 409 `idempotency_in_progress` (`Retry-After: 1`); the same key with another
  method, path, query or body is a 422 `idempotency_key_reused`.
* `IdempotencyMiddleware` keeps the owner's response before sending it (so a retry after the
  answer always replays). Only successes are kept: an error leaves nothing written, so its row is
  deleted and a retry runs again. A `pending` row older than `LEASE` (its process died) is taken
  over. Keys expire after `TTL`; expired rows are purged as new ones are written.
"""

import asyncio
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rectify_shared.models import IdempotencyKey
from rectify_shared.models.types import utcnow

from ..auth.policies import PUBLIC
from ..auth.principal import Principal
from .deps import AppState
from .error_catalogue import IDEMPOTENCY_IN_PROGRESS, IDEMPOTENCY_KEY_REUSED, INVALID_IDEMPOTENCY_KEY
from .errors import ApiError

log = structlog.get_logger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
LEASE = timedelta(seconds=60)
WAIT_SECONDS = 5.0
PURGE_EVERY_SECONDS = 600.0
_SCOPE_KEY = "rectify.idempotency"
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
_KEPT_HEADERS = ("content-type", "location")
#: the response carries a secret shown once (never stored): the key is ignored there
NOT_KEPT = frozenset({"/api/v1/api-keys"})


@dataclass
class _Pending:
    key: str
    claim_id: int | None = None


class Replay(Exception):
    def __init__(self, row: IdempotencyKey) -> None:
        super().__init__("replay")
        self.row = row


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.rectify
    return state


def _fingerprint(secret: str, request: Request, body: bytes) -> str:
    """HMAC, not a bare hash: bodies may hold passwords, and this is kept a day."""
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)
    for part in (request.method.encode(), request.url.path.encode(), request.url.query.encode(), body):
        mac.update(len(part).to_bytes(8, "big") + part)
    return mac.hexdigest()


async def _body_digest(request: Request) -> bytes:
    """The body as the route saw it. A multipart upload's stream was consumed by the form
    parser before this dependency runs, so its parsed form is digested instead (each field's
    name and value, a file by the SHA-256 of its bytes); any other body is cached and re-read."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return await request.body()
    form = await request.form()  # Starlette keeps the form it parsed for the route
    digest = hashlib.sha256()
    for name, value in form.multi_items():
        digest.update(name.encode() + b"\0")
        if isinstance(value, str):
            digest.update(value.encode())
        else:
            data = await value.read()
            await value.seek(0)
            digest.update(value.filename.encode() if value.filename else b"")
            digest.update(hashlib.sha256(data).digest())
        digest.update(b"\0")
    return digest.digest()


def _reused() -> ApiError:
    return IDEMPOTENCY_KEY_REUSED.error(
        details=[{"field": "header.Idempotency-Key", "reason": "reused with a different request"}]
    )


def _in_progress() -> ApiError:
    return IDEMPOTENCY_IN_PROGRESS.error(headers={"Retry-After": "1"})


async def claim(request: Request, session: AsyncSession, principal: Principal) -> None:
    """Own the request's key, or replay / refuse it. A no-op without the header."""
    pending: _Pending | None = request.scope.get(_SCOPE_KEY)
    if pending is None or pending.claim_id is not None:
        return
    route = request.scope.get("route")
    if getattr(route, "path", None) in NOT_KEPT:
        return
    if not _KEY_PATTERN.match(pending.key):
        raise INVALID_IDEMPOTENCY_KEY.error(
            details=[{"field": "header.Idempotency-Key", "reason": "1-255 visible ASCII characters"}]
        )
    state = _state(request)
    fingerprint = _fingerprint(state.jwt_secret, request, await _body_digest(request))
    who = f"{principal.kind}:{principal.id}"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        # The request's own session: on SQLite it holds the write lock already.
        row = IdempotencyKey(principal=who, key=pending.key, request_hash=fingerprint)
        session.add(row)
        try:
            await session.commit()
            pending.claim_id = row.id
            return
        except IntegrityError:
            await session.rollback()  # also hands the connection back while we wait
        async with state.read_sessions() as reader:
            found = (
                await reader.execute(
                    select(IdempotencyKey).where(
                        col(IdempotencyKey.principal) == who, col(IdempotencyKey.key) == pending.key
                    )
                )
            ).scalar_one_or_none()
        if found is None:
            continue  # its owner failed and released it: try again
        now = utcnow()
        if found.created_at < now - TTL or (found.state == "pending" and found.created_at < now - LEASE):
            if await _take_over(state, found, fingerprint):
                pending.claim_id = found.id
                return
            continue
        if not hmac.compare_digest(found.request_hash, fingerprint):
            raise _reused()
        if found.state == "done":
            raise Replay(found)
        if time.monotonic() > deadline:
            raise _in_progress()
        await asyncio.sleep(0.05)


async def _take_over(state: AppState, found: IdempotencyKey, fingerprint: str) -> bool:
    """An expired or abandoned row becomes ours — if no one else took it first."""
    async with state.write_sessions() as s:
        result = await s.execute(
            update(IdempotencyKey)
            .where(col(IdempotencyKey.id) == found.id, col(IdempotencyKey.created_at) == found.created_at)
            .values(
                request_hash=fingerprint,
                state="pending",
                status_code=None,
                response_headers=None,
                response_body=None,
                created_at=utcnow(),
            )
        )
        await s.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def replay_response(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    row = exc.row
    headers = {**(row.response_headers or {}), REPLAYED_HEADER: "true"}
    media = headers.pop("content-type", None)
    return Response(row.response_body or b"", status_code=row.status_code or 200, headers=headers, media_type=media)


class IdempotencyMiddleware:
    """Keeps the response of a request that owns its key, then sends it; releases it on error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._last_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope["headers"] if k.lower() == b"idempotency-key"), None)
        if raw is None:
            await self.app(scope, receive, send)
            return
        pending = _Pending(raw.decode("latin-1"))
        scope[_SCOPE_KEY] = pending
        held: list[Message] = []
        passing = False

        async def hold(message: Message) -> None:
            nonlocal passing
            if message["type"] == "http.response.start" and pending.claim_id is None:
                passing = True  # not ours to keep: no header, replay, refused before the claim
            if passing:
                await send(message)
            else:
                held.append(message)

        try:
            await self.app(scope, receive, hold)
        except BaseException:
            if pending.claim_id is not None:
                await self._release(scope, pending.claim_id)
            raise
        if passing or pending.claim_id is None:
            for message in held:
                await send(message)
            return
        start = next(m for m in held if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        if start["status"] < 400:
            await self._keep(scope, pending.claim_id, start, body)
        else:
            await self._release(scope, pending.claim_id)
        for message in held:
            await send(message)

    @staticmethod
    def _app_state(scope: Scope) -> AppState:
        state: AppState = scope["app"].state.rectify
        return state

    async def _keep(self, scope: Scope, claim_id: int, start: Message, body: bytes) -> None:
        headers: dict[str, str] = {}
        for k, v in start.get("headers", []):
            name = k.decode("latin-1").lower()
            if name in _KEPT_HEADERS:
                headers[name] = v.decode("latin-1")
        state = self._app_state(scope)
        try:
            async with state.write_sessions() as s:
                await s.execute(
                    update(IdempotencyKey)
                    .where(col(IdempotencyKey.id) == claim_id)
                    .values(state="done", status_code=start["status"], response_headers=headers, response_body=body)
                )
                if time.monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
                    self._last_purge = time.monotonic()
                    await s.execute(delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < utcnow() - TTL))
                await s.commit()
        except Exception as exc:  # the answer still goes out; a retry waits out the lease
            log.warning("idempotency_keep_failed", error=str(exc), claim_id=claim_id)

    async def _release(self, scope: Scope, claim_id: int) -> None:
        try:
            async with self._app_state(scope).write_sessions() as s:
                await s.execute(delete(IdempotencyKey).where(col(IdempotencyKey.id) == claim_id))
                await s.commit()
        except Exception as exc:
            log.warning("idempotency_release_failed", error=str(exc), claim_id=claim_id)


_HEADER_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "幂等键. Retrying with the same key replays the first successful response (status, body, "
        "`Location`; header `Idempotent-Replayed: true`) for 24 h; the same key with a different "
        "request is a 422; while the first is still running a duplicate waits up to 5 s, then 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"},
    "example": "3f0c9a4e-7d1b-4c2a-9e55-0b6f1d2a8c11",
}


def install(app: FastAPI) -> None:
    """The middleware, the replay handler and the header on every authenticated POST in OpenAPI."""
    app.add_middleware(IdempotencyMiddleware)
    app.add_exception_handler(Replay, replay_response)
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
        for path, ops in schema.get("paths", {}).items():
            post = ops.get("post")
            if post is None or ("POST", path) in PUBLIC or path in NOT_KEPT:
                continue
            post.setdefault("parameters", []).append(_HEADER_PARAMETER)
            for code, text in (("409", "Conflict / 状态冲突"), ("422", "Invalid input / 输入不合法")):
                post["responses"].setdefault(
                    code, {"description": text, "content": {"application/json": {"schema": error_ref}}}
                )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
