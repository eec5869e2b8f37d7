"""Fast reads: the plain forms of the reads people wait on, without the framework's per-request
machinery.

FastAPI spends about 1 ms of CPU on every request before and after the endpoint runs: matching the
path against every included router, solving the dependency tree, and validating each query
parameter through its annotation (bench/: a third of a list request, half of a detail). For the
reads a client polls or a screen opens (the ledger's list and detail, the measures, the to-do, the
dashboard figures), that is most of what separates the API from its bare twin.

Each domain declares its fast reads (`FastRead`: the path, the route's endpoint, the query
parameters it handles, the policy the route requires, and whether its work runs on a
`ReadConnection`); `main.py` hands them to the `FastReads` middleware. It serves a request for one
of them when it is in its plain form (GET, the exact path, query parameters in canonical form:
digits, an ISO date, true/false, a value of the route's enum or literal, a string within the route's
bounds; each at most once, bar a list's) and lets everything else through to FastAPI, unchanged.
What it runs is the same code FastAPI would run: `authenticate` and the policy dependency (rate
limit, role check, row-level-security tenant), the route's own endpoint function, and FastAPI's own
response serialization with the route's response model and options; errors go to the app's own
exception handlers. Only the framework's dispatch is skipped, so its answer is the FastAPI route's
answer, byte for byte (`test_fast_reads.py` compares the two). `RECTIFY_FAST_READS=false` turns
it off.

The parser of a route's query string is built at startup from the route's own declaration (each
parameter's type and bounds), never restated: a parameter the route declares and its entry does
not list, a type or a constraint the parser does not know, or a dependency the fast path would not
run stops the app at startup, so a filter added to a route can never come back unfiltered.

On PostgreSQL a read whose work is only `fetch` and `enter_tenant` (the auth dependencies' too)
runs on a `rectify_shared.db_fast.ReadConnection` (one pooled connection, one transaction, rolled
back) instead of an ORM session (a detail read's CPU fell from 1.19 to 0.65 ms without it, bench/);
`FastRead.connection` says which arguments allow it. Everything else gets the read session
FastAPI's `get_session` would give.
"""

import inspect
import re
import types
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import parse_qsl

from annotated_types import Ge, Le, MaxLen, MinLen
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute, serialize_response
from pydantic_core import PydanticUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from rectify_shared.db_fast import ReadConnection

from ..auth.deps import authenticate, oauth2_scheme, require
from .deps import get_session, get_state
from .instants import IsoDate
from .kept import Kept

#: answers whose JSON is kept (`FastRead.kept`), the least recently given dropped first
KEPT_JSON_MAX = 64


class NotPlain(Exception):
    """The request is not in the form this path serves: FastAPI answers it."""


def always(kwargs: dict[str, Any]) -> bool:
    return True


def never(kwargs: dict[str, Any]) -> bool:
    return False


def unless(*names: str) -> Callable[[dict[str, Any]], bool]:
    """On a connection unless one of these arguments is given (its work needs a session)."""

    def check(kwargs: dict[str, Any]) -> bool:
        return all(kwargs.get(n) is None for n in names)

    return check


@dataclass(frozen=True)
class FastRead:
    """One read the fast path serves."""

    #: the route's path as the document writes it, e.g. `/api/v1/issues/{issue_id}` (int ids only)
    path: str
    #: the route's endpoint function (its one GET route is found by it)
    endpoint: Callable[..., Awaitable[Any]]
    #: the query parameters this entry serves: exactly the ones the route declares (checked at startup)
    query: frozenset[str]
    #: the policy the route requires (its `principal` dependency is `require(permission)`)
    permission: str
    #: given the endpoint's keyword arguments, whether its work is `fetch`/`enter_tenant` only and so
    #: may run on a `ReadConnection` (PostgreSQL); otherwise a read session, as FastAPI's
    connection: Callable[[dict[str, Any]], bool] = never
    #: the endpoint gives again the very object of an earlier answer while that answer holds (one it
    #: keeps and never changes once given): the JSON made of the object is kept with it and sent
    #: again, not made anew (the dashboard's figures: hundreds of lead orgs, most of a kept answer's CPU)
    kept: bool = False
    #: its statements have no value that changes their best plan: planned once for any values
    #: (`ReadConnection(generic_plans=True)`) where the app plans each run for its values otherwise
    #: (RECTIFY_DB_PLAN_CACHE_MODE=force_custom_plan, the default, on a direct connection)
    generic_plans: bool = False


# -- canonical values ----------------------------------------------------------------------------

_INT = re.compile(r"[1-9][0-9]{0,17}")  # FastAPI takes more (signs, spaces, zero, huge values): it gets those
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOOLS = {"true": True, "false": False}  # FastAPI's booleans are many (1, yes, on…): it gets those
Reader = Callable[[str], Any]


def _day(value: str) -> date:
    if not _DAY.fullmatch(value):
        raise NotPlain
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise NotPlain from None


def _bounded(read: Reader, lo: Any, hi: Any) -> Reader:
    if lo is None and hi is None:
        return read

    def check(value: str) -> Any:
        out = read(value)
        if (lo is not None and out < lo) or (hi is not None and out > hi):
            raise NotPlain
        return out

    return check


def _integer(value: str) -> int:
    if not _INT.fullmatch(value):
        raise NotPlain
    return int(value)


def _boolean(value: str) -> bool:
    if value not in _BOOLS:
        raise NotPlain
    return _BOOLS[value]


def _choice(values: dict[str, Any]) -> Reader:
    def read(value: str) -> Any:
        if value not in values:
            raise NotPlain
        return values[value]

    return read


def _text(min_len: int | None, max_len: int | None, pattern: str | None) -> Reader:
    matcher = re.compile(pattern) if pattern is not None else None

    def read(value: str) -> str:
        if (min_len is not None and len(value) < min_len) or (max_len is not None and len(value) > max_len):
            raise NotPlain
        # the route's pattern runs in pydantic's regex engine: only printable ASCII (no line ends,
        # where `$` differs) is judged the same by Python's
        if matcher is not None and not (value.isascii() and value.isprintable() and matcher.search(value)):
            raise NotPlain
        return value

    return read


def _optional(annotation: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _constraints(metadata: Sequence[Any], where: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, Ge):
            found["ge"] = m.ge
        elif isinstance(m, Le):
            found["le"] = m.le
        elif isinstance(m, MinLen):
            found["min_length"] = m.min_length
        elif isinstance(m, MaxLen):
            found["max_length"] = m.max_length
        elif type(m).__name__ == "_PydanticGeneralMetadata" and set(vars(m)) == {"pattern"}:
            found["pattern"] = vars(m)["pattern"]
        else:
            raise RuntimeError(f"fast reads: {where} has a constraint the fast path does not know: {m!r}")
    return found


def _reader_of(annotation: Any, metadata: Sequence[Any], where: str) -> tuple[Reader, bool]:
    """How a canonical value of a query parameter reads, with the route's own bounds, and whether it
    repeats (a list); `RuntimeError` for a type or a constraint this path does not know."""
    base = _optional(annotation)
    c = _constraints(metadata, where)
    scalar_bounds = {"ge", "le"}
    if get_origin(base) is list:
        (item,) = get_args(base)
        read, many = _reader_of(item, (), where)
        if many or c:
            raise RuntimeError(f"fast reads: {where}: a list of lists or a bounded list")
        return read, True
    if base is bool and not c:
        return _boolean, False
    if base is int and set(c) <= scalar_bounds:
        return _bounded(_integer, c.get("ge"), c.get("le")), False
    if base in (date, IsoDate) and set(c) <= scalar_bounds:  # canonical days read alike by both
        return _bounded(_day, c.get("ge"), c.get("le")), False
    if base is str and set(c) <= {"min_length", "max_length", "pattern"}:
        return _text(c.get("min_length"), c.get("max_length"), c.get("pattern")), False
    if get_origin(base) is Literal and all(isinstance(v, str) for v in get_args(base)) and not c:
        return _choice({v: v for v in get_args(base)}), False
    if isinstance(base, type) and issubclass(base, Enum) and all(isinstance(e.value, str) for e in base) and not c:
        return _choice({e.value: e for e in base}), False
    if get_origin(base) is Annotated:
        raise RuntimeError(f"fast reads: {where} is {base!r}, a type the fast path does not know")
    raise RuntimeError(f"fast reads: {where} is {base!r} with {c}, which the fast path does not read")


@dataclass(frozen=True)
class _Param:
    name: str  # the endpoint's keyword
    read: Reader
    many: bool


class QueryParser:
    """A route's query string -> its endpoint's keyword arguments, for canonical forms only."""

    def __init__(self, route: APIRoute) -> None:
        self.params: dict[str, _Param] = {}
        self.defaults: dict[str, Any] = {}
        for p in route.dependant.query_params:
            where = f"{route.path_format} `{p.alias}`"
            read, many = _reader_of(p.field_info.annotation, p.field_info.metadata, where)
            self.params[p.alias] = _Param(p.name, read, many)
            default = p.field_info.default
            if default is PydanticUndefined or not isinstance(default, (type(None), bool, int, str)):
                raise RuntimeError(f"fast reads: {where} is required or has a default the fast path would not copy")
            self.defaults[p.name] = default

    def __call__(self, query_string: bytes) -> dict[str, Any]:
        """The keyword arguments, or `NotPlain`: a parameter the route does not declare (FastAPI
        decides what it means), one given twice (FastAPI takes the last), an empty or
        non-canonical value."""
        out = dict(self.defaults)
        if not query_string:
            return out
        seen: set[str] = set()
        for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            param = self.params.get(key)
            if param is None or not value:
                raise NotPlain
            if param.many:
                if key not in seen:
                    out[param.name] = []
                out[param.name].append(param.read(value))
            elif key in seen:
                raise NotPlain
            else:
                out[param.name] = param.read(value)
            seen.add(key)
        return out


# -- routes --------------------------------------------------------------------------------------


def api_routes(routes: Any, include_dependencies: bool = False) -> Iterator[tuple[APIRoute, bool]]:
    """(route, whether an including router added dependencies) for every APIRoute, included or not."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r, include_dependencies
        elif hasattr(r, "original_router"):  # FastAPI's included router
            added = include_dependencies or bool(r.include_context.dependencies)
            yield from api_routes(r.original_router.routes, added)


def route_of(app: Any, endpoint: Any) -> APIRoute:
    """The one GET route of `endpoint`; it must declare no dependencies beyond those this path runs."""
    routes = api_routes(app.routes)
    found = [(r, added) for r, added in routes if r.endpoint is endpoint and "GET" in (r.methods or ())]
    if len(found) != 1:
        raise RuntimeError(f"fast reads: {endpoint.__name__} is not one GET route")
    route, added = found[0]
    if added or route.dependencies:
        raise RuntimeError(f"fast reads: {route.path_format} has dependencies this path would not run")
    return route


def check_query(read: FastRead, route: APIRoute) -> None:
    """The route's query parameters must be exactly the ones the entry serves: a filter added to the
    route and not to its entry would otherwise come back unfiltered. Fails (at startup) on a mismatch."""
    declared = {p.alias for p in route.dependant.query_params}
    if declared != read.query:
        raise RuntimeError(
            f"fast reads: GET {read.path} declares query parameters {sorted(declared - read.query)} its fast "
            f"entry does not serve, and the entry serves {sorted(read.query - declared)} the route no longer "
            f"declares: update the entry ({read.endpoint.__module__})"
        )


@dataclass(frozen=True)
class BoundRead:
    """A `FastRead` checked against its route at startup: what a request needs."""

    read: FastRead
    route: APIRoute
    parse: QueryParser
    #: the path's pattern (named groups: the path parameters), None for an exact path
    pattern: re.Pattern[str] | None
    policy: Callable[..., Awaitable[Any]]
    session_name: str
    principal_name: str


def bind(read: FastRead, app: Any) -> BoundRead:
    """Check `read` against its route (path, dependencies, query parameters, response) and build its
    parser; `RuntimeError` (at startup) for anything the fast path would answer differently."""
    route = route_of(app, read.endpoint)
    where = f"GET {read.path}"
    if route.path_format != read.path:
        raise RuntimeError(f"fast reads: {read.endpoint.__name__} is at {route.path_format}, not {read.path}")
    d = route.dependant
    policy = require(read.permission)
    calls = {dep.name or "": dep.call for dep in d.dependencies}
    session_names = [n for n, c in calls.items() if c is get_session]
    principal_names = [n for n, c in calls.items() if c is policy]
    if len(calls) != 2 or len(session_names) != 1 or len(principal_names) != 1:
        raise RuntimeError(
            f"fast reads: {where} depends on {sorted(calls)}; the fast path runs a session and "
            f"`require({read.permission!r})` only"
        )
    others = (d.header_params, d.cookie_params, d.body_params)
    specials = (d.request_param_name, d.websocket_param_name, d.http_connection_param_name, d.response_param_name)
    if any(others) or any(specials) or d.background_tasks_param_name or d.security_scopes_param_name:
        raise RuntimeError(f"fast reads: {where} takes headers, cookies, a body or the request itself")
    if not isinstance(route.response_class, DefaultPlaceholder) or route.status_code not in (None, 200):
        raise RuntimeError(f"fast reads: {where} has its own response class or status")
    if route.response_field is None:
        raise RuntimeError(f"fast reads: {where} has no response model")
    path_names = re.findall(r"{([a-z_]+)}", read.path)
    if sorted(p.alias for p in d.path_params) != sorted(path_names) or any(
        _optional(p.field_info.annotation) is not int or p.field_info.metadata for p in d.path_params
    ):
        raise RuntimeError(f"fast reads: {where}: path parameters must be the path's unbounded int ids")
    pattern = None
    if path_names:
        regex = re.escape(read.path)
        for name in path_names:
            regex = regex.replace(re.escape("{" + name + "}"), f"(?P<{name}>{_INT.pattern})")
        pattern = re.compile(regex)
    check_query(read, route)
    return BoundRead(read, route, QueryParser(route), pattern, policy, session_names[0], principal_names[0])


def _plans_per_run(settings: Any) -> bool:
    """Whether the app's connections plan each run of a statement for its values (a forced custom
    plan on a direct connection): then a `FastRead.generic_plans` read asks for generic ones.
    Behind PgBouncer statements are unnamed, planned at each run whatever the setting."""
    return settings.db_plan_cache_mode == "force_custom_plan" and not settings.pgbouncer


class FastReads:
    """ASGI middleware, innermost of the app's own: see the module's doc."""

    def __init__(self, app: ASGIApp, fastapi_app: Any, reads: Sequence[FastRead]) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        # built with the middleware stack (at startup): a route the path does not match fails here
        bound = [bind(r, fastapi_app) for r in reads]
        self.exact = {b.read.path: b for b in bound if b.pattern is None}
        self.patterned = [b for b in bound if b.pattern is not None]
        self._enabled: bool | None = None  # read from the settings at the first request (after the lifespan)
        #: `FastRead.kept`: id of an answer given -> (the answer, its JSON); the answer held, so its id is its own
        self._json: Kept[int, bytes] = Kept(KEPT_JSON_MAX)

    def enabled(self) -> bool:
        if self._enabled is None:
            self._enabled = bool(self.fastapi_app.state.rectify.settings.fast_reads)
        return self._enabled

    def match(self, path: str, query_string: bytes) -> tuple[BoundRead, dict[str, Any], dict[str, Any]]:
        """(the read, the endpoint's keyword arguments, the scope's path parameters), or `NotPlain`."""
        bound = self.exact.get(path)
        if bound is not None:
            return bound, bound.parse(query_string), {}
        for bound in self.patterned:
            assert bound.pattern is not None
            m = bound.pattern.fullmatch(path)
            if m is not None:
                raw = m.groupdict()
                kwargs = bound.parse(query_string)
                convertors = bound.route.param_convertors
                path_params = {k: convertors[k].convert(v) if k in convertors else v for k, v in raw.items()}
                return bound, kwargs | {k: int(v) for k, v in raw.items()}, path_params
        raise NotPlain

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
        try:
            bound, kwargs, path_params = self.match(scope["path"], scope["query_string"])
        except NotPlain:
            await self.app(scope, receive, send)
            return
        route = bound.route
        # what FastAPI's routing would have written into the scope (metrics read the route)
        scope["route"], scope["endpoint"], scope["path_params"] = route, route.endpoint, path_params
        request = Request(scope, receive)
        try:
            response = await self._answer(request, bound, kwargs)
        except Exception as exc:
            response = await handled(self.fastapi_app, request, exc)
        await response(scope, receive, send)

    async def _answer(self, request: Request, bound: BoundRead, kwargs: dict[str, Any]) -> Response:
        state = get_state(request)
        reads: Any
        if state.engine.dialect.driver == "asyncpg" and bound.read.connection(kwargs):
            generic = bound.read.generic_plans and _plans_per_run(state.settings)
            reads = ReadConnection(state.engine, generic_plans=generic)
        else:
            reads = state.read_sessions()  # `core.deps.get_session` for a GET
        async with reads as session:
            token = await oauth2_scheme(request)
            principal = await bound.policy(request, session, await authenticate(request, session, token))
            kwargs[bound.session_name], kwargs[bound.principal_name] = session, principal
            value = await bound.route.endpoint(**kwargs)
        if isinstance(value, Response):
            return value
        # the connection goes back before the JSON is made: under load, requests wait for one
        route = bound.route
        known = self._json.get(id(value), value) if bound.read.kept else None
        if known is not None:
            return Response(content=known, media_type="application/json")
        content = await route_json(route, value)
        if bound.read.kept:
            self._json.put(id(value), value, content)
        return Response(content=content, media_type="application/json")


async def route_json(route: APIRoute, value: Any) -> bytes:
    """An endpoint's value as FastAPI's routing makes the route's JSON: its response model and
    options, pydantic's `dump_json` (a route that keeps its answer's bytes makes them with this)."""
    content: bytes = await serialize_response(
        field=route.response_field,
        response_content=value,
        include=route.response_model_include,
        exclude=route.response_model_exclude,
        by_alias=route.response_model_by_alias,
        exclude_unset=route.response_model_exclude_unset,
        exclude_defaults=route.response_model_exclude_defaults,
        exclude_none=route.response_model_exclude_none,
        is_coroutine=True,
        dump_json=True,
    )
    return content


async def handled(fastapi_app: Any, request: Request, exc: Exception) -> Response:
    """The answer the app's own handler for `exc` gives, picked as Starlette's ExceptionMiddleware
    picks it (by the exception's classes) and called as it calls it (a plain function in the
    thread pool); with none, `exc` is raised again for the catch-all `Exception` handler further out
    (the app's last-resort 500), as for any route."""
    handlers = fastapi_app.exception_handlers
    for cls in type(exc).__mro__:
        if cls is Exception:
            break
        if cls in handlers:
            handler = handlers[cls]
            if inspect.iscoroutinefunction(handler):
                return await handler(request, exc)  # type: ignore[no-any-return]
            return await run_in_threadpool(handler, request, exc)  # type: ignore[no-any-return]
    raise exc
