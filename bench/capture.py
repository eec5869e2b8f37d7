"""The SQL a real endpoint runs, captured once so the bare twin (`bench/twin.py`) can run the same.

Each request is made in-process against the real app (httpx + ASGI, lifespan entered) while a
SQLAlchemy `before_cursor_execute` listener records every statement with its parameters, in
order, including the transaction's COMMIT. The statements are the asyncpg dialect's own (`$1`
placeholders), so the twin hands them to asyncpg unchanged.
"""

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event


@dataclass
class Statement:
    sql: str
    params: tuple[Any, ...]


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: str | None = None
    statements: list[Statement] = field(default_factory=list)
    status: int = 0
    #: the bearer token it is requested with, where endpoints of one path and query differ by caller
    #: only (the twin tells them apart by it; the app by the token's user)
    caller: str = ""


def _tuple(parameters: Any) -> tuple[Any, ...]:
    if parameters is None:
        return ()
    if isinstance(parameters, dict):
        raise ValueError("named parameters: the asyncpg dialect binds positionally")
    return tuple(parameters)


async def capture(app: Any, token: str, endpoints: list[Endpoint]) -> list[Endpoint]:
    """Run each endpoint once against `app` (lifespan already entered) and record its SQL."""
    engine = app.state.rectify.engine.sync_engine
    current: list[Statement] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if executemany:
            raise ValueError(f"executemany in a benchmarked request: {statement[:80]}")
        current.append(Statement(statement, _tuple(parameters)))

    def commit(conn: Any) -> None:
        current.append(Statement("COMMIT", ()))

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", commit)
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for ep in endpoints:
                # once to warm caches (the JWT key, the calendar), once to record
                for attempt in range(2):
                    current.clear()
                    resp = await client.request(ep.method, ep.path, content=ep.body, headers=headers)
                    if resp.status_code >= 400:
                        raise RuntimeError(f"{ep.name}: {resp.status_code} {resp.text[:300]}")
                    if attempt == 1:
                        ep.statements = list(current)
                        ep.status = resp.status_code
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", commit)
    return endpoints


def save(endpoints: list[Endpoint], path: Path) -> None:
    path.write_bytes(pickle.dumps(endpoints))


def load(path: Path) -> list[Endpoint]:
    loaded: list[Endpoint] = pickle.loads(path.read_bytes())
    return loaded
