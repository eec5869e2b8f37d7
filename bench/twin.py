"""The bare twin: Starlette + asyncpg running exactly the SQL the real endpoint ran (the limit).

    BENCH_TWIN_SPEC=captured.pickle BENCH_TWIN_DSN=postgresql://… \
        uvicorn twin:create_twin --factory --app-dir bench

Each captured endpoint (`bench/capture.py`) is served at the same method and path; a request
takes a pooled connection, runs the recorded statements in one transaction (commits when the
real request committed) and answers the rows as JSON. No validation, no ORM, no middleware:
what is left is the database and the HTTP server, which is what the real endpoint is compared to.
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from capture import Endpoint, load
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rectify_shared.db import pg_server_settings, pool_capacity
from rectify_shared.ids import new_id
from rectify_shared.settings import load_settings

#: ids from `new_id()` are milliseconds << 22: anything above 2**40 is one, no serial id gets there
GENERATED_ID_FLOOR = 2**40


def _fresh_id(param: Any, fresh: dict[int, int]) -> Any:
    """A time-ordered id the app made for this request (`rectify_shared.ids`) is made anew, the
    same new one wherever the request used it: a replayed INSERT must not repeat a primary key."""
    if isinstance(param, int) and not isinstance(param, bool) and param > GENERATED_ID_FLOOR:
        if param not in fresh:
            fresh[param] = new_id()
        return fresh[param]
    return param


def _moment(param: Any, captured_at: datetime | None) -> Any:
    """A timestamp the request took (within a minute of the capture) moves to now: the audit
    chain's and the partitioned tables' keys hold `created_at`, so a replay must not repeat it."""
    if captured_at and isinstance(param, datetime) and param.tzinfo and captured_at - param < timedelta(minutes=1):
        return param + (datetime.now(UTC) - captured_at)
    return param


def _handler(ep: Endpoint, pool_holder: dict[str, Any]) -> Any:
    statements = [s for s in ep.statements if s.sql != "COMMIT"]
    moments = [p for s in statements for p in s.params if isinstance(p, datetime) and p.tzinfo]
    captured_at = max(moments) if moments and ep.method != "GET" else None
    commits = any(s.sql == "COMMIT" for s in ep.statements)

    async def handle(request: Request) -> Response:
        await request.body()
        fresh: dict[int, int] = {}
        pool: asyncpg.Pool = pool_holder["pool"]
        results: list[list[dict[str, Any]]] = []
        async with pool.acquire() as conn:
            tr = conn.transaction()
            await tr.start()
            try:
                for s in statements:
                    params = [_moment(_fresh_id(p, fresh), captured_at) for p in s.params]
                    results.append([dict(r) for r in await conn.fetch(s.sql, *params)])
            except BaseException:
                await tr.rollback()
                raise
            if commits:
                await tr.commit()
            else:
                await tr.rollback()
        body = json.dumps(results, ensure_ascii=False, default=str)
        return Response(body, status_code=ep.status, media_type="application/json")

    return handle


def create_twin() -> Starlette:
    endpoints = load(Path(os.environ["BENCH_TWIN_SPEC"]))
    dsn = os.environ["BENCH_TWIN_DSN"]
    size = pool_capacity(load_settings().db_pool_size)  # as many connections as the app keeps
    holder: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # the app's own session settings (plan_cache_mode): the twin must plan the SQL as the app does
        server_settings = pg_server_settings(load_settings().db_plan_cache_mode)
        holder["pool"] = await asyncpg.create_pool(dsn, min_size=size, max_size=size, server_settings=server_settings)
        try:
            yield
        finally:
            await holder["pool"].close()

    # endpoints that share a path (the stats benchmark's round, subtree and as-of requests) are
    # told apart by their query string and, where one is asked by two callers, the caller's token
    by_path: dict[tuple[str, str], dict[tuple[str, str], Any]] = {}
    for ep in endpoints:
        path, _, query = ep.path.partition("?")
        by_path.setdefault((path, ep.method), {})[(query, ep.caller)] = _handler(ep, holder)
    routes = [Route(path, _by_query(handlers), methods=[method]) for (path, method), handlers in by_path.items()]
    return Starlette(routes=routes, lifespan=lifespan)


def _by_query(handlers: dict[tuple[str, str], Any]) -> Any:
    first = next(iter(handlers.values()))

    async def handle(request: Request) -> Response:
        query, token = request.url.query, request.headers.get("authorization", "").removeprefix("Bearer ")
        handler = handlers.get((query, token)) or handlers.get((query, ""), first)
        return await handler(request)  # type: ignore[no-any-return]

    return handle
