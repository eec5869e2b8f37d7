"""The progress report, `POST /api/v1/measures/{id}/progress` (and `…/issues/{id}/progress`),
without the framework's per-request dispatch: the write path of `issues.fast`.

FastAPI spends about a third of this write's CPU outside the endpoint: matching the path against
every route, solving the dependency tree, reading the body (bench/, cProfile). This middleware
serves a report in its plain form (POST, the exact path with a decimal id, a JSON body with its
Content-Length, which the route's own body field accepts) and lets everything else through to
FastAPI, the buffered body replayed, so a body FastAPI would refuse gets FastAPI's own 422.

What it runs is what FastAPI would run: the body validated by the route's body field (FastAPI's
own validator: `json.loads`, then the model), the write session of `core.deps.get_session`,
`authenticate` and the policy dependency (role check, row-level-security tenant, the
Idempotency-Key claim), the route's own endpoint, FastAPI's serialization with the route's
response model, the status code and the headers the endpoint set (Location); errors go to the
app's own exception handlers. Its answer is the FastAPI route's, byte for byte (tests compare
the two, the error cases included). `RECTIFY_FAST_READS=false` turns it off with the fast reads.
"""

import json
import re
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..auth.deps import authenticate, oauth2_scheme, require
from ..core.deps import get_state
from ..core.fast_reads import NotPlain, api_routes, handled, route_json
from . import router

#: the paths served: (prefix, suffix) around a decimal id, and the endpoint of each
_PATHS = (("/api/v1/measures/", "/progress"), ("/api/v1/issues/", "/progress"))
_ID = re.compile(r"[1-9][0-9]{0,17}")  # FastAPI takes more (huge values): it gets those
#: the largest body served here (a bigger one goes through FastAPI: the text may be 20,000 characters)
MAX_BODY = 256 * 1024


def check_route(app: Any, endpoint: Any) -> APIRoute:
    """The POST route of `endpoint`, which must take exactly what this path gives it: one int
    path parameter, the JSON body, the session, the principal and the response; no query
    parameters, no dependencies beyond those this path runs. Fails (at startup) otherwise."""
    routes = api_routes(app.routes)
    found = [(r, added) for r, added in routes if r.endpoint is endpoint and "POST" in (r.methods or ())]
    if len(found) != 1:
        raise RuntimeError(f"fast writes: {endpoint.__name__} is not one POST route")
    route, added = found[0]
    dep = route.dependant
    if (
        added
        or route.dependencies
        or dep.query_params
        or dep.header_params
        or dep.cookie_params
        or len(dep.path_params) != 1
        or dep.path_params[0].field_info.annotation is not int
        or len(dep.body_params) != 1
        or route.body_field is None
        or {d.name for d in dep.dependencies} != {"session", "principal"}
        or dep.response_param_name != "response"
        or route.response_field is None
        or route.status_code != 201
    ):
        raise RuntimeError(f"fast writes: {route.path} takes what this path does not give: update progress/fast.py")
    return route


class FastProgressWrites:
    """ASGI middleware, next to `core.fast_reads.FastReads`: see the module's doc."""

    def __init__(self, app: ASGIApp, fastapi_app: Any) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self.endpoints = (router.report_on_measure, router.report_on_issue)
        for endpoint in self.endpoints:  # built with the middleware stack: a route that moved fails here
            check_route(fastapi_app, endpoint)
        self._routes: tuple[APIRoute, ...] | None = None
        self._writer = require("progress.write")
        self._enabled: bool | None = None

    def enabled(self) -> bool:
        if self._enabled is None:
            self._enabled = bool(self.fastapi_app.state.rectify.settings.fast_reads)
        return self._enabled

    def routes(self) -> tuple[APIRoute, ...]:
        if self._routes is None:
            self._routes = tuple(check_route(self.fastapi_app, e) for e in self.endpoints)
        return self._routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope.get("root_path")
            or scope["query_string"]
            or not self.enabled()
            or self.fastapi_app.dependency_overrides  # a test's override applies only through FastAPI
        ):
            await self.app(scope, receive, send)
            return
        try:
            which, target_id = _match(scope["path"])
            _plain_headers(scope["headers"])
        except NotPlain:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        route = self.routes()[which]
        try:
            data = _validated(route, body)
        except NotPlain:
            await self.app(scope, _replay(messages, receive), send)
            return
        name = route.dependant.path_params[0].name
        # what FastAPI's routing would have written into the scope (metrics read the route)
        scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, {name: target_id}
        request = Request(scope, _replay(messages, receive))
        try:
            response = await self._answer(request, route, {name: target_id, "data": data})
        except Exception as exc:
            response = await handled(self.fastapi_app, request, exc)
        await response(scope, receive, send)

    async def _answer(self, request: Request, route: APIRoute, kwargs: dict[str, Any]) -> Response:
        # the sub-response FastAPI gives an endpoint that asks for one (no status, no headers)
        sub = Response()
        del sub.headers["content-length"]
        sub.status_code = None  # type: ignore[assignment]
        async with get_state(request).write_sessions() as session:  # `core.deps.get_session` for a POST
            token = await oauth2_scheme(request)
            principal = await self._writer(request, session, await authenticate(request, session, token))
            value = await route.endpoint(session=session, principal=principal, response=sub, **kwargs)
        content = await route_json(route, value)
        status: int = sub.status_code or route.status_code or 201  # the route's 201 (`check_route`)
        response = Response(content=content, status_code=status, media_type="application/json")
        response.headers.raw.extend(sub.headers.raw)
        return response


def _match(path: str) -> tuple[int, int]:
    """(which of `_PATHS`, the id) or `NotPlain`."""
    for n, (prefix, suffix) in enumerate(_PATHS):
        if path.startswith(prefix) and path.endswith(suffix):
            digits = path[len(prefix) : len(path) - len(suffix)]
            if _ID.fullmatch(digits):
                return n, int(digits)
    raise NotPlain


def _plain_headers(headers: list[tuple[bytes, bytes]]) -> None:
    """A JSON body of a stated length within `MAX_BODY` (a chunked or odd one: FastAPI's)."""
    ctype = length = None
    for key, value in headers:
        if key == b"content-type":
            ctype = value
        elif key == b"content-length":
            length = value
        elif key == b"transfer-encoding":
            raise NotPlain
    if ctype != b"application/json" or length is None or not length.isdigit() or int(length) > MAX_BODY:
        raise NotPlain


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The request's messages up to its last body part, and the body (None: the client left first)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _validated(route: APIRoute, body: bytes | None) -> Any:
    """The body as the route's body field validates it (FastAPI's own: `json.loads`, then the
    field), or `NotPlain` for anything FastAPI would refuse (it answers those)."""
    if not body:
        raise NotPlain
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):  # a body nested past the parser's depth too: FastAPI's 4xx
        raise NotPlain from None
    assert route.body_field is not None
    value, errors = route.body_field.validate(obj, {}, loc=("body",))
    if errors:
        raise NotPlain
    return value


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives the messages read already, then the client's."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
