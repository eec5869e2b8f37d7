"""The settings a province or national deployment needs: replica URL, multi-host primary,
PgBouncer, Redis Sentinel, S3 addressing, the scheduler switch."""

from pathlib import Path

import pytest
from arq.cron import cron
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from rectify_shared import queue
from rectify_shared.db import make_engine, pgbouncer_connect_args
from rectify_shared.redis_url import parse_sentinel_url, sentinel_url
from rectify_shared.settings import Settings, normalise_database_url


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("DATABASE_URL", "DATABASE_RO_URL", "REDIS_URL", "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def _asyncpg_connect_args(url: str) -> dict[str, object]:
    engine = make_engine(normalise_database_url(url, Path(".")))
    try:
        _, kwargs = engine.dialect.create_connect_args(make_url(engine.url))
        return dict(kwargs)
    finally:
        engine.sync_engine.dispose()


def test_a_libpq_multi_host_url_reaches_asyncpg_as_host_and_port_lists():
    kwargs = _asyncpg_connect_args(
        "postgresql://app:s3cret@pg-0.db:5432,pg-1.db:5433/rectify?target_session_attrs=read-write"
    )
    assert kwargs["host"] == ["pg-0.db", "pg-1.db"]
    assert kwargs["port"] == [5432, 5433]
    assert kwargs["target_session_attrs"] == "read-write"
    assert kwargs["user"] == "app" and kwargs["password"] == "s3cret" and kwargs["database"] == "rectify"


def test_a_single_host_url_is_unchanged():
    assert normalise_database_url("postgresql://u@db:5432/r?ssl=require", Path(".")) == (
        "postgresql+asyncpg://u@db:5432/r?ssl=require"
    )


def test_every_host_of_a_multi_host_url_needs_a_port():
    with pytest.raises(ValueError, match="pg-1"):
        normalise_database_url("postgresql://u@pg-0:5432,pg-1/r", Path("."))


def test_the_read_only_url_defaults_to_the_primary(monkeypatch, tmp_path):
    s = _settings(monkeypatch, DATABASE_URL="postgresql://u@primary:5432/r")
    assert s.effective_database_ro_url == s.effective_database_url == "postgresql+asyncpg://u@primary:5432/r"
    s = _settings(
        monkeypatch, DATABASE_URL="postgresql://u@primary:5432/r", DATABASE_RO_URL="postgresql://u@replica:5432/r"
    )
    assert s.effective_database_ro_url == "postgresql+asyncpg://u@replica:5432/r"
    assert s.effective_database_url == "postgresql+asyncpg://u@primary:5432/r"


def test_pgbouncer_mode_turns_statement_caches_off_and_names_statements_uniquely(monkeypatch):
    monkeypatch.setenv("RECTIFY_PGBOUNCER", "1")
    assert Settings().pgbouncer is True
    args = pgbouncer_connect_args()
    assert args["statement_cache_size"] == 0 and args["prepared_statement_cache_size"] == 0
    name = args["prepared_statement_name_func"]
    assert name() != name()  # asyncpg's default names collide across clients sharing a server connection


@pytest.mark.postgres
async def test_a_pgbouncer_mode_engine_reads_and_writes_on_postgresql(pg_server_url):
    engine = make_engine(normalise_database_url(pg_server_url, Path(".")), pgbouncer=True)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TEMP TABLE t (n int)"))
            for n in range(3):  # the same statement again: no cached statement to reuse
                await conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            assert (await conn.execute(text("SELECT sum(n) FROM t"))).scalar() == 3
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_multi_host_url_fails_over_to_the_next_host(pg_server_url):
    """The first host refuses connections; asyncpg goes on to the one that is the primary."""
    u = make_url(pg_server_url)
    url = f"postgresql://{u.username}@127.0.0.1:1,{u.host}:{u.port}/{u.database}?target_session_attrs=read-write"
    engine = make_engine(normalise_database_url(url, Path(".")))
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT NOT pg_is_in_recovery()"))).scalar() is True
    finally:
        await engine.dispose()


def test_sentinels_build_one_url_that_keeps_the_password_and_db(monkeypatch):
    s = _settings(
        monkeypatch,
        REDIS_URL="redis://:p%40ss@ignored:6379/3",
        REDIS_SENTINELS="sentinel-0:26379, sentinel-1:26379,sentinel-2:26379",
        REDIS_SENTINEL_MASTER="rectify",
    )
    url = s.effective_redis_url
    assert url == "redis+sentinel://:p%40ss@sentinel-0:26379,sentinel-1:26379,sentinel-2:26379/rectify/3"
    target = parse_sentinel_url(url)
    assert target.sentinels == [("sentinel-0", 26379), ("sentinel-1", 26379), ("sentinel-2", 26379)]
    assert (target.master, target.db, target.password) == ("rectify", 3, "p@ss")
    arq = queue.redis_settings(url)
    assert arq.sentinel and arq.sentinel_master == "rectify" and arq.host == target.sentinels
    assert arq.database == 3 and arq.password == "p@ss" and arq.conn_retries > 0


def test_without_sentinels_redis_url_is_used_as_is(monkeypatch):
    assert _settings(monkeypatch, REDIS_URL="redis://cache:6380/2").effective_redis_url == "redis://cache:6380/2"


@pytest.mark.parametrize("bad", ["sentinel-0", "sentinel-0:port", "a:26379,:26379", ","])
def test_a_malformed_sentinel_list_is_refused_naming_the_entry(bad):
    with pytest.raises(ValueError, match="REDIS_SENTINELS"):
        sentinel_url(bad, "mymaster", "redis://127.0.0.1:6379/0")


def test_s3_addressing_style_is_path_or_virtual(monkeypatch):
    assert _settings(monkeypatch).s3_addressing_style == "path"
    assert _settings(monkeypatch, RECTIFY_S3_ADDRESSING_STYLE="virtual").s3_addressing_style == "virtual"
    with pytest.raises(ValidationError):
        _settings(monkeypatch, RECTIFY_S3_ADDRESSING_STYLE="vhost")


async def _tick(ctx: dict[str, object]) -> None:
    return None


def test_only_the_scheduler_schedules_periodic_jobs_but_every_worker_can_run_them():
    jobs = [cron(_tick, name="rectify:tick", second=0)]
    functions, crons = queue.periodic(jobs, run_periodic=True)
    assert functions == [] and [c.name for c in crons] == ["rectify:tick"]
    functions, crons = queue.periodic(jobs, run_periodic=False)
    assert crons == [] and [(f.name, f.coroutine) for f in functions] == [("rectify:tick", _tick)]


@pytest.mark.postgres
async def test_api_connections_plan_each_statement_with_its_values_and_no_other_engine_does(pg_server_url, monkeypatch):
    """A prepared statement's generic plan (after five runs) ignores the scope range and status
    list; the list page measured 8x slower on it. The API's engine asks for custom plans; the
    workers' engines (bulk inserts: custom plans would re-plan every foreign-key check) and any
    engine through PgBouncer (it refuses unknown startup parameters) send nothing."""
    from rectify_shared.db import engine_for

    monkeypatch.setenv("DATABASE_URL", pg_server_url)
    settings = Settings()
    assert settings.db_plan_cache_mode == "force_custom_plan"
    cases = [
        (engine_for(settings, api=True), "force_custom_plan"),
        (engine_for(settings), None),
        (make_engine(normalise_database_url(pg_server_url, Path(".")), pgbouncer=True,
                     plan_cache_mode="force_custom_plan"), None),
    ]  # fmt: skip
    for engine, expected in cases:
        try:
            async with engine.connect() as conn:
                shown = (await conn.execute(text("SHOW plan_cache_mode"))).scalar()
            assert shown == (expected or "auto")
        finally:
            await engine.dispose()
    monkeypatch.setenv("RECTIFY_DB_PLAN_CACHE_MODE", "sometimes")
    with pytest.raises(ValidationError):
        Settings()
