"""`ReadConnection`: the fast reads' statements on one pooled asyncpg connection, no ORM session.

What a caller would notice if it went wrong: a tenant (row-level security) or a failed
transaction carried over to the next request on the same pooled connection, a driver error that
is not SQLAlchemy's (the API answers those 503/4xx by class), or a connection left mid-transaction
in the pool after a cancelled request.
"""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import enter_tenant, make_engine
from rectify_shared.db_fast import ReadConnection, fetch
from rectify_shared.models import Org

_PID = text("SELECT pg_backend_pid() AS pid")
_ORG_PATH = text("SELECT current_setting('rectify.org_path', true) AS path")
_ORG_BY_ID = select(Org.id, Org.name).where(Org.id == bindparam("org_id"))


@pytest.fixture
async def engine(pg_db_url: str) -> AsyncIterator[AsyncEngine]:
    """A small pool: consecutive reads get the same backend (only one is ever opened)."""
    engine = make_engine(pg_db_url, pool_size=1)
    yield engine
    await engine.dispose()


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _pid(engine: AsyncEngine) -> int:
    async with ReadConnection(engine) as reads:
        return int((await fetch(reads, _PID))[0].pid)


async def test_rows_read_by_name_and_position_within_one_transaction(engine, pg_db_url):
    admin = await asyncpg.connect(_plain(pg_db_url))
    try:
        await admin.execute(
            "INSERT INTO org (id, name, kind, path, depth, created_at, updated_at)"
            " VALUES (7, '乌海市', 'league', '/7/', 0, now(), now())"
        )
    finally:
        await admin.close()
    async with ReadConnection(engine) as reads:
        [row] = await fetch(reads, _ORG_BY_ID, {"org_id": 7})
        assert (row.id, row.name) == (7, "乌海市") == (row[0], row[1])
        assert await fetch(reads, _ORG_BY_ID, {"org_id": 8}) == []
        first = await fetch(reads, text("SELECT txid_current() AS tx"))
        again = await fetch(reads, text("SELECT txid_current() AS tx"))
        assert first[0].tx == again[0].tx  # one transaction for the whole request


async def test_a_tenant_ends_with_the_reads_and_does_not_reach_the_next_request(engine):
    async with ReadConnection(engine) as reads:
        await enter_tenant(reads, "root", "/1/3/")  # the role must exist: the test runs as root
        assert (await fetch(reads, _ORG_PATH))[0].path == "/1/3/"
        pid = (await fetch(reads, _PID))[0].pid
    async with ReadConnection(engine) as reads:
        assert (await fetch(reads, _PID))[0].pid == pid  # the same pooled connection ...
        assert (await fetch(reads, _ORG_PATH))[0].path in ("", None)  # ... without the tenant


async def test_a_failed_statement_raises_sqlalchemys_error_and_the_next_request_is_clean(engine):
    pid = await _pid(engine)
    with pytest.raises(DBAPIError) as caught:
        async with ReadConnection(engine) as reads:
            await fetch(reads, text("SELECT 1 / (:zero)::int AS x"), {"zero": 0})
    assert "division by zero" in str(caught.value)
    assert not caught.value.connection_invalidated
    async with ReadConnection(engine) as reads:  # not "current transaction is aborted"
        assert (await fetch(reads, _PID))[0].pid == pid
        assert (await fetch(reads, text("SELECT 1 AS one")))[0].one == 1


async def test_a_killed_backend_is_a_disconnect_and_the_pool_replaces_the_connection(engine, pg_db_url):
    pid = await _pid(engine)
    with pytest.raises(DBAPIError) as caught:
        async with ReadConnection(engine) as reads:
            admin = await asyncpg.connect(_plain(pg_db_url))
            try:
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            finally:
                await admin.close()
            await asyncio.sleep(0.1)
            await fetch(reads, _PID)
    assert caught.value.connection_invalidated
    assert await _pid(engine) != pid  # a new connection, and it works


async def test_a_request_cancelled_mid_statement_leaves_no_connection_in_a_transaction(engine, pg_db_url):
    pid = await _pid(engine)
    started = asyncio.Event()

    async def slow() -> None:
        async with ReadConnection(engine) as reads:
            started.set()
            await fetch(reads, text("SELECT pg_sleep(30)"))

    task = asyncio.create_task(slow())
    await started.wait()
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    admin = await asyncpg.connect(_plain(pg_db_url))
    try:
        states = await admin.fetch("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
    finally:
        await admin.close()
    # rolled back and back in the pool (idle), or discarded (gone): never idle in a transaction
    assert [r["state"] for r in states] in ([], ["idle"]), states
    async with ReadConnection(engine) as reads:
        assert (await fetch(reads, text("SELECT 1 AS one")))[0].one == 1


async def test_statement_listeners_see_its_statements(engine):
    seen: list[tuple[str, tuple[object, ...]]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with ReadConnection(engine) as reads:
            await fetch(reads, _ORG_BY_ID, {"org_id": 5})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    [(statement, parameters)] = seen  # the statement; the BEGIN and ROLLBACK are the driver's own
    assert statement.startswith("SELECT org.id, org.name") and "$1" in statement and parameters == (5,)


def test_only_asyncpg_engines(tmp_path):
    sqlite = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValueError, match="asyncpg only"):
        ReadConnection(sqlite)


async def test_generic_plans_hold_for_the_transaction_only(pg_db_url):
    """`generic_plans=True` (the to-do's fast read): its statements planned once for any values,
    the next request on the same pooled connection back to the engine's custom plans, also after
    a failed statement."""
    engine = make_engine(pg_db_url, pool_size=1, plan_cache_mode="force_custom_plan")
    mode = text("SELECT current_setting('plan_cache_mode') AS mode")
    try:
        async with ReadConnection(engine, generic_plans=True) as reads:
            assert (await fetch(reads, mode))[0].mode == "force_generic_plan"
            first = await fetch(reads, text("SELECT txid_current() AS tx"))
            assert (await fetch(reads, text("SELECT txid_current() AS tx")))[0].tx == first[0].tx
            pid = (await fetch(reads, _PID))[0].pid
        async with ReadConnection(engine) as reads:
            assert (await fetch(reads, _PID))[0].pid == pid  # the same pooled connection ...
            assert (await fetch(reads, mode))[0].mode == "force_custom_plan"  # ... planning per run again
        with pytest.raises(DBAPIError):
            async with ReadConnection(engine, generic_plans=True) as reads:
                await fetch(reads, text("SELECT 1 / (:zero)::int AS x"), {"zero": 0})
        async with ReadConnection(engine) as reads:  # rolled back: not "current transaction is aborted"
            assert (await fetch(reads, _PID))[0].pid == pid
            assert (await fetch(reads, mode))[0].mode == "force_custom_plan"
    finally:
        await engine.dispose()
