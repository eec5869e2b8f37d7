"""Async engines and sessions for both deployments, SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from typing import TYPE_CHECKING, Any
from uuid import uuid4

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from . import stats_tally  # noqa: F401  (its session events keep the dashboard figures with the writes)
from .db_fast import ReadConnection

if TYPE_CHECKING:
    from .settings import Settings


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    pgbouncer: bool = False,
    pre_ping: bool = True,
    plan_cache_mode: str = "",
) -> AsyncEngine:
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        # The busy timeout makes a writer wait for the lock instead of failing at once.
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = pool_capacity(pool_size)
        kwargs["max_overflow"] = 0
        # a pooled connection that a PostgreSQL restart (or pg_terminate_backend) killed is
        # replaced before use instead of failing the request; what still fails answers 503
        kwargs["pool_pre_ping"] = pre_ping
        if pgbouncer:
            kwargs["connect_args"] = pgbouncer_connect_args()
        elif server_settings := pg_server_settings(plan_cache_mode):
            kwargs["connect_args"] = {"server_settings": server_settings}
            # a connection goes back rolled back (never mid-transaction), so PgBouncer can hand
            # its server connection to another client
            kwargs["pool_reset_on_return"] = "rollback"
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _configure_sqlite(engine)
    return engine


def pool_capacity(pool_size: int) -> int:
    """How many PostgreSQL connections a process keeps for a `pool_size` (RECTIFY_DB_POOL_SIZE): twice
    as many, the budget the deployment sizing has always counted (deploy/docs/sizing.md), all pooled.

    It used to be `pool_size` pooled plus as many "overflow" connections, which SQLAlchemy closes as
    they come back while the pool is full: under a burst past `pool_size` every request opened and
    closed a server connection (a backend fork, and its authentication). bench/, 32 connections on
    one API process: detail 1,034 → 1,223 req/s and p99 107 → 79 ms, list 546 → 625 req/s, with the
    same 20 connections kept instead."""
    return 2 * pool_size


def pg_server_settings(plan_cache_mode: str) -> dict[str, str]:
    """Session settings sent at connect (asyncpg `server_settings`), for a direct connection.

    PgBouncer refuses startup parameters it does not know, and behind it asyncpg plans every
    statement with its values anyway (no statement cache), so none are sent there."""
    return {"plan_cache_mode": plan_cache_mode} if plan_cache_mode else {}


def pgbouncer_connect_args() -> dict[str, Any]:
    """asyncpg behind PgBouncer in transaction mode.

    Consecutive statements of one client may run on different server connections, so nothing
    may rely on a prepared statement surviving the transaction: both statement caches (asyncpg's
    and SQLAlchemy's) are off, and each prepared statement gets a name no other client uses
    (asyncpg's default names `__asyncpg_stmt_1__`… collide across clients). PgBouncer should run
    `server_reset_query = DISCARD ALL` with `server_reset_query_always = 1` (deploy/vm/pgbouncer).
    """
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4().hex}__",
    }


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, issue BEGIN, so that BEGIN IMMEDIATE below works.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writing transaction takes the write lock up front: a deferred one that reads and
        # then writes fails with SQLITE_BUSY at once (instead of waiting) when another writer
        # committed in between. Readers stay deferred so they never queue behind writers.
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


WRITE_OPTION = "rectify_write"


def make_sessionmaker(
    engine: AsyncEngine, *, write: bool = True, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions for writing (default) or for reading only.

    On SQLite a writing session begins IMMEDIATE; on PostgreSQL both are the same.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return async_sessionmaker(
        bind, class_=AsyncSession, sync_session_class=TenantSession, expire_on_commit=False, info=info
    )


# ---------------------------------------------------------------- row-level security (PostgreSQL)

TENANT_INFO_KEY = "rectify_tenant"
_SET_TENANT = text("SELECT set_config('role', :role, true), set_config('rectify.org_path', :path, true)")


class TenantSession(Session):
    """A session that, once given a tenant, enters it at the start of every transaction.

    The role and the org path are set LOCAL (they end with the transaction), so a pooled
    connection — or PgBouncer's server connection in transaction mode — never carries them
    over to another caller, and each later transaction of the same session sets them again.
    """


@event.listens_for(TenantSession, "after_begin")
def _enter_tenant(session: Session, _transaction: Any, connection: Any) -> None:
    tenant = session.info.get(TENANT_INFO_KEY)
    if tenant is not None:
        connection.execute(_SET_TENANT, {"role": tenant[0], "path": tenant[1]})


async def enter_tenant(session: "AsyncSession | ReadConnection", role: str, org_path: str) -> None:
    """From now on this session works as `role` (non-owner) within the org subtree `org_path`.

    PostgreSQL only: row-level security (migration 0016_rls) then hides every scoped row
    outside the subtree, whatever a query forgot to filter.
    """
    if isinstance(session, ReadConnection):  # its one transaction is already open
        await session.fetch(_SET_TENANT, {"role": role, "path": org_path})
        return
    session.info[TENANT_INFO_KEY] = (role, org_path)
    if session.in_transaction():  # the transaction already begun did not enter it
        await session.execute(_SET_TENANT, {"role": role, "path": org_path})


def engine_for(
    settings: "Settings", *, read_only: bool = False, pool_size: int | None = None, api: bool = False
) -> AsyncEngine:
    """The engine a process's settings ask for: the primary, or (`read_only`) DATABASE_RO_URL.

    `api`: the request-serving engine, which alone takes RECTIFY_DB_PLAN_CACHE_MODE. Forcing custom
    plans also re-plans the foreign-key checks PostgreSQL runs for every inserted row: the deadline
    scan's bulk INSERT … SELECT measured 2.5x slower with it (4.5 s instead of 1.8 s for 25,000
    escalations), so the workers and the CLI keep the server's plan cache."""
    url = settings.effective_database_ro_url if read_only else settings.effective_database_url
    return make_engine(
        url,
        pool_size=settings.db_pool_size if pool_size is None else pool_size,
        pgbouncer=settings.pgbouncer,
        pre_ping=settings.db_pool_pre_ping,
        plan_cache_mode=settings.db_plan_cache_mode if api else "",
    )
