"""The two busiest reads, `GET /api/v1/issues` and `GET /api/v1/issues/{id}`, without the framework's
per-request machinery.

FastAPI spends about 1 ms of CPU on every request before and after the endpoint runs: matching the
path against every included router, solving the dependency tree, and validating each query
parameter through its annotation (bench/: a third of a list request, half of a detail). For the
two reads a client polls, that is most of what separates the API from its bare twin.

This middleware serves a request for either of them when it is in its plain form (GET, the exact
path, query parameters in canonical form: digits, an ISO date, true/false, a known status or sort) and lets
everything else through to FastAPI, unchanged. What it runs is the same code FastAPI would run:
`authenticate` and the policy dependency (rate limit, role check, row-level-security tenant),
the route's own endpoint function, and FastAPI's own response serialization with the route's
response model; errors go to the app's own exception handlers. Only the framework's dispatch is
skipped, so its answer is the FastAPI route's answer, byte for byte; `tests` compare the two on
every kind of request. `RECTIFY_FAST_READS=false` turns it off.

On PostgreSQL the statements run on a `rectify_shared.db_fast.ReadConnection` (one pooled connection,
one transaction, rolled back) instead of an ORM session (a detail read's CPU fell from 1.19 to
0.65 ms without it, bench/): everything these routes and the auth dependencies run is `fetch`
and `enter_tenant`, which take either (the work calendar, read when a problem is overdue, too). The
list's `org_id` filter reads an Org entity, so that form gets a session.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute, serialize_response
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from rectify_shared.db_fast import ReadConnection
from rectify_shared.enums import IssueStatus

from ..auth.deps import authenticate, oauth2_scheme, require
from ..core.deps import get_state
from . import router
from .schemas import ISSUE_SORTS

LIST_PATH = "/api/v1/issues"
DETAIL_PREFIX = "/api/v1/issues/"
_ID = re.compile(r"[1-9][0-9]{0,17}")  # FastAPI takes more (signs, spaces, huge values): it gets those
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STATUSES = {s.value: s for s in IssueStatus}
_SORTS = frozenset(ISSUE_SORTS)
#: query parameters given at most once; `status` repeats
_SINGLE = frozenset(
    {"round_id", "category", "org_id", "deadline_before", "q", "overdue", "as_of", "sort", "limit", "cursor"}
)
#: declared by the route but left to FastAPI: a request carrying one is not plain
_DELEGATED = frozenset({"with_total"})
#: every query parameter of `GET /issues` this path knows about; `check_list_route` holds the route to it
HANDLED = _SINGLE | {"status"} | _DELEGATED
#: every query parameter of `GET /issues/{id}` this path knows about (`check_detail_route`)
DETAIL_HANDLED = frozenset({"as_of"})
#: a boolean in canonical form (FastAPI takes more: 1, yes, on…; it gets those)
_BOOLS = {"true": True, "false": False}


@dataclass(frozen=True)
class ListBounds:
    """The list route's own limits (read from its declaration, never restated here)."""

    limit_max: int = 200
    q_min: int = 1
    q_max: int = 100
    cursor: re.Pattern[str] = re.compile(r"^[A-Za-z0-9_-]*$")
    cursor_max: int = 2000
    #: `as_of`'s bounds (both routes declare the same `core.dates.AsOf`)
    as_of_min: date = date(1990, 1, 1)
    as_of_max: date = date(2100, 12, 31)


def _bound(metadata: list[Any], kind: str, type_: type = int) -> Any:
    for m in metadata:
        value = getattr(m, kind, None)
        if isinstance(value, type_):
            return value
    return None


def _date_bounds(route: APIRoute, name: str) -> tuple[date, date]:
    metadata = next(p.field_info.metadata for p in route.dependant.query_params if p.alias == name)
    lo, hi = _bound(metadata, "ge", date), _bound(metadata, "le", date)
    if lo is None or hi is None:
        raise RuntimeError(f"fast reads: {route.path} no longer bounds `{name}`: update issues/fast.py")
    return lo, hi


def check_detail_route(route: APIRoute) -> tuple[date, date]:
    """As `check_list_route`, for `GET /issues/{id}`: its query parameters must be `DETAIL_HANDLED`;
    gives `as_of`'s bounds."""
    declared = {p.alias for p in route.dependant.query_params}
    if declared != DETAIL_HANDLED:
        raise RuntimeError(
            "fast reads: GET /api/v1/issues/{issue_id} declares query parameters "
            f"{sorted(declared - DETAIL_HANDLED)} the fast path does not know, and the fast path knows "
            f"{sorted(DETAIL_HANDLED - declared)} the route no longer declares: update issues/fast.py"
        )
    return _date_bounds(route, "as_of")


def check_list_route(route: APIRoute) -> ListBounds:
    """The route's query parameters must be exactly the ones this path knows: a filter added to the
    route and not here would otherwise come back unfiltered. Fails (at startup) on a mismatch."""
    declared = {p.alias for p in route.dependant.query_params}
    if declared != HANDLED:
        raise RuntimeError(
            "fast reads: GET /api/v1/issues declares query parameters "
            f"{sorted(declared - HANDLED)} the fast path does not know, and the fast path knows "
            f"{sorted(HANDLED - declared)} the route no longer declares: update issues/fast.py"
        )
    fields = {p.alias: p.field_info.metadata for p in route.dependant.query_params}
    limit_max, q_min, q_max = (
        _bound(fields["limit"], "le"),
        _bound(fields["q"], "min_length"),
        _bound(fields["q"], "max_length"),
    )
    cursor = next((getattr(m, "pattern", None) for m in fields["cursor"] if getattr(m, "pattern", None)), None)
    cursor_max = _bound(fields["cursor"], "max_length")
    if limit_max is None or q_min is None or q_max is None or cursor is None or cursor_max is None:
        raise RuntimeError(
            "fast reads: GET /api/v1/issues no longer bounds `limit`, `q` and `cursor`: update issues/fast.py"
        )
    return ListBounds(limit_max, q_min, q_max, re.compile(cursor), cursor_max, *_date_bounds(route, "as_of"))


class NotPlain(Exception):
    """The request is not in the form this path serves: FastAPI answers it."""


def list_arguments(query_string: bytes, bounds: ListBounds = ListBounds()) -> dict[str, Any]:
    """`list_issues`'s keyword arguments from a canonical query string, or `NotPlain` (a parameter
    it does not serve, known or not, included: FastAPI answers those)."""
    args: dict[str, Any] = {}
    statuses: list[IssueStatus] = []
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key == "status":
            if value not in _STATUSES:
                raise NotPlain
            statuses.append(_STATUSES[value])
            continue
        if key not in _SINGLE:
            raise NotPlain  # delegated, or unknown to the route: FastAPI decides what it means
        if key in args:
            raise NotPlain
        args[key] = value
    out: dict[str, Any] = {"status": statuses or None}
    for key in ("round_id", "org_id"):
        if key in args:
            if not _ID.fullmatch(args[key]):
                raise NotPlain
            out[key] = int(args[key])
    if "deadline_before" in args:
        out["deadline_before"] = _day(args["deadline_before"])
    if "as_of" in args:
        out["as_of"] = _day(args["as_of"], bounds.as_of_min, bounds.as_of_max)
    if "overdue" in args:
        if args["overdue"] not in _BOOLS:
            raise NotPlain
        out["overdue"] = _BOOLS[args["overdue"]]
    if "q" in args:
        if not bounds.q_min <= len(args["q"]) <= bounds.q_max:
            raise NotPlain
        out["q"] = args["q"]
    if "category" in args:
        out["category"] = args["category"]
    if "sort" in args:
        if args["sort"] not in _SORTS:
            raise NotPlain
        out["sort"] = args["sort"]
    if "limit" in args:
        if not _ID.fullmatch(args["limit"]) or int(args["limit"]) > bounds.limit_max:
            raise NotPlain
        out["limit"] = int(args["limit"])
    if "cursor" in args:
        if len(args["cursor"]) > bounds.cursor_max or not bounds.cursor.search(args["cursor"]):
            raise NotPlain
        out["cursor"] = args["cursor"]
    return out


def _day(value: str, lo: date = date.min, hi: date = date.max) -> date:
    """An ISO date in canonical form within [lo, hi], or `NotPlain` (FastAPI's validation answers)."""
    if not _DATE.fullmatch(value):
        raise NotPlain
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise NotPlain from None
    if not lo <= day <= hi:
        raise NotPlain
    return day


def detail_arguments(query_string: bytes, bounds: ListBounds = ListBounds()) -> dict[str, Any]:
    """`get_issue`'s keyword arguments (bar the id) from a canonical query string, or `NotPlain`."""
    if not query_string:
        return {}
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if len(pairs) != 1 or pairs[0][0] != "as_of":
        raise NotPlain
    return {"as_of": _day(pairs[0][1], bounds.as_of_min, bounds.as_of_max)}


def _api_routes(routes: Any, include_dependencies: bool = False) -> Any:
    """(route, whether an including router added dependencies) for every APIRoute, included or not."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r, include_dependencies
        elif hasattr(r, "original_router"):  # FastAPI's included router
            added = include_dependencies or bool(r.include_context.dependencies)
            yield from _api_routes(r.original_router.routes, added)


def _route(app: Any, endpoint: Any) -> APIRoute:
    """The GET route of `endpoint`; it must declare no dependencies beyond those this path runs."""
    found = [(r, added) for r, added in _api_routes(app.routes) if r.endpoint is endpoint and "GET" in r.methods]
    if len(found) != 1:
        raise RuntimeError(f"fast reads: {endpoint.__name__} is not one GET route")
    route, added = found[0]
    if added or route.dependencies:
        raise RuntimeError(f"fast reads: {route.path} has dependencies this path would not run")
    return route


class FastLedgerReads:
    """ASGI middleware, innermost of the app's own: see the module's doc."""

    def __init__(self, app: ASGIApp, fastapi_app: Any) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self._routes: tuple[APIRoute, APIRoute] | None = None
        # built with the middleware stack (at startup): a route the path does not match fails here
        self.bounds = check_list_route(_route(fastapi_app, router.list_issues))
        if check_detail_route(_route(fastapi_app, router.get_issue)) != (self.bounds.as_of_min, self.bounds.as_of_max):
            raise RuntimeError("fast reads: the list and the detail bound `as_of` differently: update issues/fast.py")
        self._reader = require("ledger.read")
        self._enabled: bool | None = None  # read from the settings at the first request (after the lifespan)

    def enabled(self) -> bool:
        if self._enabled is None:
            self._enabled = bool(self.fastapi_app.state.rectify.settings.fast_reads)
        return self._enabled

    def routes(self) -> tuple[APIRoute, APIRoute]:
        if self._routes is None:
            self._routes = (
                _route(self.fastapi_app, router.list_issues),
                _route(self.fastapi_app, router.get_issue),
            )
        return self._routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope.get("root_path")
            or not self.enabled()
            or self.fastapi_app.dependency_overrides  # a test's override applies only through FastAPI
        ):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        try:
            if path == LIST_PATH:
                kwargs = list_arguments(scope["query_string"], self.bounds)
                route, path_params = self.routes()[0], {}
            elif path.startswith(DETAIL_PREFIX) and _ID.fullmatch(path, len(DETAIL_PREFIX)):
                kwargs = {"issue_id": int(path[len(DETAIL_PREFIX) :])}
                kwargs |= detail_arguments(scope["query_string"], self.bounds)
                route, path_params = self.routes()[1], {"issue_id": path[len(DETAIL_PREFIX) :]}
            else:
                raise NotPlain
        except NotPlain:
            await self.app(scope, receive, send)
            return
        # what FastAPI's routing would have written into the scope (metrics read the route)
        scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, path_params
        request = Request(scope, receive)
        try:
            response = await self._answer(request, route, kwargs)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise  # the app's last-resort handler (500), further out, as for any route
            response = await handler(request, exc)
        await response(scope, receive, send)

    async def _answer(self, request: Request, route: APIRoute, kwargs: dict[str, Any]) -> Response:
        state = get_state(request)
        reads: Any
        if state.engine.dialect.driver == "asyncpg" and "org_id" not in kwargs:
            # the route's work is `fetch` only (the org filter reads an Org entity: a session's)
            reads = ReadConnection(state.engine)
        else:
            reads = state.read_sessions()  # `core.deps.get_session` for a GET
        async with reads as session:
            token = await oauth2_scheme(request)
            principal = await self._reader(request, session, await authenticate(request, session, token))
            value = await route.endpoint(session=session, principal=principal, **kwargs)
        # the connection goes back before the JSON is made: under load, requests wait for one
        content = await serialize_response(
            field=route.response_field, response_content=value, is_coroutine=True, dump_json=True
        )
        return Response(content=content, media_type="application/json")

    def _handler_for(self, exc: Exception) -> Any:
        """The handler Starlette's ExceptionMiddleware would pick (by the exception's classes);
        the catch-all `Exception` handler sits further out, where a re-raised error reaches it."""
        handlers = self.fastapi_app.exception_handlers
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            if cls in handlers:
                return handlers[cls]
        return None
