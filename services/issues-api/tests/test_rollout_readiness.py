"""Readiness and migrations during a rolling upgrade: a newer schema keeps old pods ready, the
database down makes them unready, init containers wait for the `migrate` Job, and two
migrations never run at once (PostgreSQL advisory lock)."""

import asyncio
import threading

import httpx
import pytest
from sqlalchemy import text

from issues_api.main import create_app
from issues_api.ops.migrations import wait_for_migrations
from issues_api.schema import head_revision, upgrade
from rectify_shared.db import make_engine
from rectify_shared.settings import Settings


async def _set_revision(engine, revision: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


async def test_a_schema_newer_than_the_code_keeps_the_pod_ready(client, app):
    """The next release migrated (expand only); pods of this release keep serving until replaced."""
    engine = app.state.rectify.engine
    await _set_revision(engine, "0099_next_release")
    try:
        r = await client.get("/readyz")
        assert r.status_code == 200 and r.json()["schema_state"] == "ahead"
        assert (await client.get("/api/v1/issues", params={"round_id": 1})).status_code == 200
    finally:
        await _set_revision(engine, head_revision())


async def test_readyz_is_503_when_the_database_does_not_answer(tmp_path, redis_url):
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", redis_url=redis_url, data_dir=tmp_path)
    app = create_app(settings, run_relay=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/readyz")
            alive = await c.get("/healthz")
    assert r.status_code == 503
    assert r.json()["database"] == "unavailable" and r.json()["status"] == "not_ready"
    assert alive.status_code == 200  # liveness does not restart a pod for its database's outage


async def test_wait_for_migrations_returns_once_the_schema_is_at_head(db_url):
    engine = make_engine(db_url)
    lines: list[str] = []
    try:
        await _set_revision(engine, "0001")
        assert await wait_for_migrations(engine, timeout=0, interval=0.01, report=lines.append) is False
        assert "behind" in lines[0] and "rectify migrate" in lines[-1]

        async def migrate_later() -> None:
            await asyncio.sleep(0.2)
            await _set_revision(engine, head_revision())

        later = asyncio.create_task(migrate_later())
        assert await wait_for_migrations(engine, timeout=60, interval=0.05, report=lines.append) is True
        await later
        assert "current" in lines[-1]
    finally:
        await _set_revision(engine, head_revision())
        await engine.dispose()


async def test_wait_for_migrations_waits_out_a_database_that_is_not_there_yet():
    engine = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", pool_size=1)
    lines: list[str] = []
    try:
        assert await wait_for_migrations(engine, timeout=0, report=lines.append) is False
    finally:
        await engine.dispose()
    assert lines[0].startswith("database not ready")


@pytest.mark.postgres
async def test_a_second_migrate_waits_for_the_advisory_lock(pg_template):
    """`rectify migrate` holds a PostgreSQL advisory lock; another one waits for it."""
    url = pg_template.replace("postgresql://", "postgresql+asyncpg://")
    holder = make_engine(url, pool_size=1)
    done = threading.Event()
    async with holder.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SELECT pg_advisory_lock(727302)"))
        thread = threading.Thread(target=lambda: (upgrade(url), done.set()), daemon=True)
        thread.start()
        waiting = 0
        for _ in range(300):
            waiting = (
                await conn.execute(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 727302 AND NOT granted")
                )
            ).scalar_one()
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting == 1 and not done.is_set()
        await conn.execute(text("SELECT pg_advisory_unlock(727302)"))
    await asyncio.to_thread(thread.join, 60)
    await holder.dispose()
    assert done.is_set()


def test_rectify_worker_alive_exits_by_the_workers_heartbeat(tmp_path, monkeypatch, capsys):
    import time

    from issues_api.cli import main as rectify
    from rectify_shared.heartbeat import write_heartbeat

    monkeypatch.setenv("RECTIFY_DATA_DIR", str(tmp_path))
    argv = ["worker-alive", "--service", "notifier", "--max-age", "60"]
    assert rectify(argv) == 1 and "no heartbeat" in capsys.readouterr().out
    write_heartbeat(tmp_path / "heartbeat", "notifier")
    assert rectify(argv) == 0
    write_heartbeat(tmp_path / "heartbeat", "notifier", now=time.time() - 61)
    assert rectify(argv) == 1 and "心跳已超时" in capsys.readouterr().out
