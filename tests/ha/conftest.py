"""`make test-ha`: PostgreSQL primary + replica, PgBouncer, Redis Sentinel — real servers on loopback."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .servers import PgNode, missing_tools, workdir


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture
def pg_root() -> Iterator[Path]:
    if missing_tools():
        pytest.skip(f"PostgreSQL server binaries missing: {missing_tools()}")
    with workdir() as root:
        yield root


@pytest.fixture
def pg_primary(pg_root: Path) -> Iterator[PgNode]:
    """A migrated primary of our own (not the shared test server)."""
    from issues_api.schema import upgrade

    node = PgNode(pg_root, "primary")
    try:
        node.init_primary()
        upgrade(asyncpg_url(node.dsn()))
        yield node
    finally:
        node.stop()


@pytest.fixture
def pg_pair(pg_root: Path, pg_primary: PgNode) -> Iterator[tuple[PgNode, PgNode]]:
    """The primary and a streaming replica in synchronous mode: a commit the API acknowledged is
    on both, so promoting the replica loses none of them."""
    replica = PgNode(pg_root, "replica")
    try:
        replica.init_replica_of(pg_primary)
        pg_primary.reload(synchronous_standby_names="*")
        replica.wait_replayed(pg_primary)
        yield pg_primary, replica
    finally:
        replica.stop()


def app_settings(tmp_path: Path, database_url: str, **more: Any) -> Any:
    from rectify_shared.settings import Settings

    return Settings(
        database_url=database_url,
        redis_url=more.pop("redis_url", "redis://127.0.0.1:1/0"),  # Redis is not under test here
        data_dir=tmp_path,
        rate_limit="",
        # as in production containers: a console traceback with locals takes seconds to render
        # on a loaded box, and blocks the event loop while it does
        log_json=True,
        db_pool_size=more.pop("db_pool_size", 4),
        **more,
    )


async def signed_in(app: Any, username: str = "admin", password: str = "admin-test-pw") -> httpx.AsyncClient:
    """A client on the in-process app that turns server errors into 500s (as a server would)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    c = httpx.AsyncClient(transport=transport, base_url="http://rectify.test", timeout=30)
    r = await c.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return c


async def first_issue_id(client: httpx.AsyncClient, round_id: int) -> int:
    r = await client.get("/api/v1/issues", params={"round_id": round_id, "limit": 1})
    assert r.status_code == 200, r.text
    return int(r.json()["items"][0]["id"])


async def in_thread(fn: Any, *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)
