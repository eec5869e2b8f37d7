"""Browsers and `OPTIONS`: CORS for the origins in RECTIFY_CORS_ORIGINS, and an honest `Allow`.

CORS is off by default (an empty setting: no `Access-Control-*` header at all). With origins set,
Starlette's CORSMiddleware answers their preflights; credentials stay off (the API takes a Bearer
header, never a cookie), and the headers a client needs to read are exposed.

Any other `OPTIONS` request to a path the API serves answers 204 with `Allow` listing the methods
that path takes, and a 405 lists all of them too (the router names only its first route's); an
unknown path stays 404.
"""

import re
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: response headers a browser script may read; pagination is in the body (`next_cursor`, `total`), so
#: there are no pagination headers — add one here if a list ever sends it
EXPOSED_HEADERS = ("Location", "Retry-After", "Idempotent-Replayed", "X-Request-ID", "Content-Disposition")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID", "Last-Event-ID")


def origins_of(setting: str) -> list[str]:
    """RECTIFY_CORS_ORIGINS: comma-separated origins (`https://console.example.gov.cn`), or `*`."""
    return [o.strip().rstrip("/") for o in setting.split(",") if o.strip()]


def _path_methods(routes: Any, prefix: str = "") -> list[tuple[re.Pattern[str], frozenset[str]]]:
    out: list[tuple[re.Pattern[str], frozenset[str]]] = []
    for r in routes:
        if hasattr(r, "original_router"):  # FastAPI's included router
            out += _path_methods(r.original_router.routes, prefix)
        elif getattr(r, "methods", None) and hasattr(r, "path_regex"):
            out.append((r.path_regex, frozenset(r.methods)))
    return out


class BrowserAccess:
    """ASGI middleware: see the module's doc. Reads the setting at the first request (after the
    lifespan has loaded the settings), as FastReads does."""

    def __init__(self, app: ASGIApp, fastapi_app: Any) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self._cors: ASGIApp | None = None
        self._routes: list[tuple[re.Pattern[str], frozenset[str]]] | None = None

    def cors(self) -> ASGIApp:
        if self._cors is None:
            origins = origins_of(self.fastapi_app.state.rectify.settings.cors_origins)
            self._cors = (
                CORSMiddleware(
                    self.app,
                    allow_origins=origins,
                    allow_credentials=False,
                    allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                    allow_headers=list(ALLOWED_HEADERS),
                    expose_headers=list(EXPOSED_HEADERS),
                    max_age=600,
                )
                if origins
                else self.app
            )
        return self._cors

    def allowed(self, path: str) -> list[str]:
        if self._routes is None:
            self._routes = _path_methods(self.fastapi_app.router.routes)
        methods: set[str] = set()
        for regex, route_methods in self._routes:
            if regex.match(path):
                methods |= route_methods
        if methods:
            methods.add("OPTIONS")
        order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        return sorted(methods, key=lambda m: order.index(m) if m in order else len(order))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        preflight = b"origin" in headers and b"access-control-request-method" in headers
        if scope["method"] == "OPTIONS" and not (preflight and self.cors() is not self.app):
            methods = self.allowed(scope["path"])
            if methods:
                await Response(status_code=204, headers={"Allow": ", ".join(methods)})(scope, receive, send)
                return

        async def send_with_allow(message: Message) -> None:
            # the router's 405 names only the first route of the path; every method of the path it is
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = self.allowed(scope["path"])
                if methods:
                    headers = MutableHeaders(scope=message)
                    headers["Allow"] = ", ".join(methods)
            await send(message)

        await self.cors()(scope, receive, send_with_allow)
