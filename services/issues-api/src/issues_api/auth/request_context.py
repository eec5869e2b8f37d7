"""Who is on the other end of a request, and the security headers of every answer.

* The client address: the socket peer, unless the peer is a trusted reverse proxy
  (`RECTIFY_TRUSTED_PROXIES`); then the rightmost `X-Forwarded-For` hop that is not itself a
  trusted proxy. A client cannot rotate the header to look like many clients: from an
  untrusted peer the header is ignored. (uvicorn's own proxy handling is off: `rectify serve`.)
* A server-made request id for the audit trail: the client's `X-Request-ID` stays in logs and
  error bodies, but never in audit records.
* Headers: `nosniff` everywhere, `no-store` on token answers, CSP and frame denial on the docs;
  the docs themselves can be switched off (`RECTIFY_PUBLIC_DOCS=false`).
"""

import ipaddress
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DOCS_PATHS = ("/api/v1/docs", "/api/v1/docs/oauth2-redirect", "/api/v1/openapi.json")
NO_STORE_PREFIXES = ("/api/v1/auth/", "/api/v1/me/sessions", "/api/v1/api-keys", "/api/v1/webhooks")
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
MAX_CHAIN = 300


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client: str | None
    #: "peer=<socket peer>; xff=<X-Forwarded-For as received>" when the header was sent
    chain: str | None


_current: ContextVar[RequestContext | None] = ContextVar("rectify_request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


@lru_cache(maxsize=16)
def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 127.0.0.1, ::1` → networks; raises ValueError naming a bad entry."""
    nets = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(f"not an address or CIDR: {part!r}") from exc
    return tuple(nets)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def in_networks(addr: str | None, nets: tuple[Network, ...]) -> bool:
    ip = _ip(addr) if addr else None
    return ip is not None and any(ip in n for n in nets)


def resolve_client(peer: str | None, forwarded: str | None, trusted: tuple[Network, ...]) -> str | None:
    """The client address: the peer, or through trusted proxies the first untrusted hop from the right."""
    if not forwarded or not in_networks(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            return peer  # a garbled chain: believe only what we saw
        if not any(ip in n for n in trusted):
            return str(ip)
    return str(_ip(hops[0])) if hops else peer


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = _settings_of(scope)
        path: str = scope.get("path", "")
        if path in DOCS_PATHS and settings is not None and not settings.public_docs:
            await _not_found(send)
            return
        peer = scope["client"][0] if scope.get("client") else None
        forwarded = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded = value.decode("latin-1")[:MAX_CHAIN]
        trusted = parse_networks(settings.trusted_proxies) if settings is not None else ()
        client = resolve_client(peer, forwarded, trusted)
        if client != peer and scope.get("client"):
            scope = {**scope, "client": (client, 0)}
        chain = f"peer={peer}; xff={forwarded}"[:MAX_CHAIN] if forwarded else None
        token = _current.set(RequestContext(uuid.uuid4().hex, client, chain))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                replaced = (b"server", b"x-content-type-options")
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in replaced]
                headers.append((b"x-content-type-options", b"nosniff"))
                if path.startswith(NO_STORE_PREFIXES):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                if path.startswith("/api/v1/docs"):
                    headers += [(b"content-security-policy", DOCS_CSP.encode()), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            _current.reset(token)


def _settings_of(scope: Scope) -> Any:
    app = scope.get("app")
    state = getattr(getattr(app, "state", None), "rectify", None)
    return getattr(state, "settings", None)


async def _not_found(send: Send) -> None:
    body = b'{"error":{"code":"not_found","message":"\\u672a\\u627e\\u5230","message_en":"Not found","details":[]}}'
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"application/json"), (b"x-content-type-options", b"nosniff")],
        }
    )
    await send({"type": "http.response.body", "body": body})
