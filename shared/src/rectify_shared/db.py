"""Async engines and sessions for both deployments, SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import asyncpg
from sqlalchemy import Dialect, Executable, Result, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import greenlet_spawn
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from .models.types import UTCDateTime

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


async def _flushed_connection(session: AsyncSession) -> AsyncConnection:
    """The session's own connection (its transaction and tenant), pending ORM changes flushed
    first, as `session.execute` would."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    return await session.connection()


async def core_execute(
    session: AsyncSession, stmt: Executable, params: dict[str, Any] | list[dict[str, Any]] | None = None
) -> Result[Any]:
    """A Core statement (a column select, no entities; a list of `params` runs it executemany)
    on the session's own connection.

    The hot read paths use it: `session.execute` sets up ORM compile state and result loading on
    every call, measured at about 0.5 ms of CPU a statement that selects columns only (bench/).
    A statement built once with bind parameters and given `params` saves its construction too.
    Pending ORM changes are flushed first, as `session.execute` would; the connection is the
    session's, so its transaction and tenant (row-level security) are the same."""
    conn = await _flushed_connection(session)
    return await conn.execute(stmt, params)


class FetchedRow(asyncpg.Record):
    """An asyncpg row that also answers `row.column`, as SQLAlchemy's `Row` does."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A built-once statement compiled for asyncpg: its SQL and, per `$n`, (name, default, the
    type's conversion of the value or None)."""

    sql: str
    params: tuple[tuple[str, Any, Any], ...]

    def arguments(self, given: dict[str, Any] | None) -> list[Any]:
        """The positional arguments for `given` values: defaults filled in, types' conversions applied."""
        given = given or {}
        args = []
        for name, default, convert in self.params:
            value = given[name] if default is _MISSING else given.get(name, default)
            args.append(value if convert is None or value is None else convert(value))
        return args


_MISSING = object()
#: statement -> its compiled form, for as long as the statement lives (asyncpg is the only dialect)
_PREPARED: "weakref.WeakKeyDictionary[Executable, _Prepared]" = weakref.WeakKeyDictionary()


def _prepared(stmt: Executable, dialect: Dialect) -> _Prepared:
    known = _PREPARED.get(stmt)
    if known is not None:
        return known
    compiled: Any = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.post_compile_params or compiled.literal_execute_params:
        raise ValueError("fetch: an expanding IN cannot be compiled once; use = ANY(array) on PostgreSQL")
    for name, _key, _obj, type_ in compiled._result_columns:
        # the driver's value must be the column type's: asyncpg gives timestamptz as aware UTC,
        # which is what UTCDateTime makes of it; anything else converting values goes through SQLAlchemy
        if type_._cached_result_processor(dialect, None) is not None and not isinstance(type_, UTCDateTime):
            raise ValueError(f"fetch: column {name} needs SQLAlchemy's result conversion")
    processors = compiled._bind_processors
    params = tuple(
        (
            name,
            compiled.binds[name].effective_value if not compiled.binds[name].required else _MISSING,
            processors.get(name),
        )
        for name in compiled.positiontup or ()
    )
    prepared = _Prepared(compiled.string, params)
    _PREPARED[stmt] = prepared
    return prepared


async def fetch(
    session: "AsyncSession | ReadConnection", stmt: Executable, params: dict[str, Any] | None = None
) -> Sequence[Any]:
    """The rows of a built-once Core statement (columns, no entities), read as `row.column` or `row[i]`.

    The API's hottest reads (a list page, a detail, the session check of every request) use it.
    On asyncpg the statement is compiled once and run on the session's own driver connection,
    inside the session's transaction (begun here if it was not), through asyncpg's statement
    cache: SQLAlchemy's execution context, cursor adaptation and result objects cost about
    0.15 ms of CPU a statement, which was a third of a detail read (bench/). Elsewhere (SQLite,
    the embedded default) it is `core_execute(...).all()`. A `ReadConnection` may stand in for
    the session.

    Only for statements built once (module constants, `lru_cache`d builders), with no expanding
    IN, whose columns need no conversion back; `_prepared` refuses the others. Parameters get
    their types' conversions, as SQLAlchemy would apply them. A
    driver error is raised as SQLAlchemy's `DBAPIError`, as from `session.execute`."""
    if isinstance(session, ReadConnection):
        return await session.fetch(stmt, params)
    conn = await _flushed_connection(session)
    if conn.dialect.driver != "asyncpg":
        return (await conn.execute(stmt, params)).all()
    prepared = _prepared(stmt, conn.dialect)
    args = prepared.arguments(params)
    sync: Any = conn.sync_connection
    if sync._has_events or sync.engine._has_events:
        # listeners (statement capture for bench/, fault injection, tracing) see it as they see
        # any statement: its SQL and positional parameters, no cursor and no execution context
        sync.dispatch.before_cursor_execute(sync, None, prepared.sql, tuple(args), None, False)
    adapted: Any = (await conn.get_raw_connection()).dbapi_connection
    async with adapted._execute_mutex:
        try:
            if adapted._transaction is None:
                await adapted._start_transaction()
            rows: Sequence[Any] = await adapted._connection.fetch(prepared.sql, *args, record_class=FetchedRow)
            return rows
        except Exception as error:
            failed = error
            wrapped, disconnect = _driver_error(error, prepared.sql, args, conn.dialect, adapted)
    if disconnect:
        await conn.invalidate()
    raise wrapped from failed


def dialect_of(session: "AsyncSession | ReadConnection") -> Dialect:
    """The dialect a session (or a `ReadConnection`) talks to."""
    return session.bind.dialect if isinstance(session, ReadConnection) else session.get_bind().dialect


def _driver_error(
    error: Exception, sql: str, args: list[Any], dialect: Dialect, adapted: Any
) -> tuple[BaseException, bool]:
    """An asyncpg error as SQLAlchemy's `DBAPIError` (what a cursor would have raised), and
    whether it means the connection is gone."""
    translated: BaseException = error
    try:
        adapted._handle_exception(error)  # the dialect's DBAPI error, as a cursor would raise
    except Exception as exc:
        translated = exc
    disconnect = dialect.is_disconnect(translated, adapted, None)  # type: ignore[arg-type]
    wrapped = DBAPIError.instance(
        sql, args, translated, dialect.loaded_dbapi.Error, dialect=dialect, connection_invalidated=disconnect
    )
    return wrapped, disconnect


class ReadConnection:
    """A read-only request's statements on one pooled asyncpg connection, without an ORM session.

        async with ReadConnection(engine) as reads:
            rows = await fetch(reads, STATEMENT, {...})

    An `AsyncSession` costs CPU around its statements: its begin, a greenlet switch to find its
    connection for every statement, its close, expunge and pool checkin (0.37 ms against 0.14 ms
    for BEGIN + 2 SELECT + ROLLBACK on a connection of the same pool; with this, the issue
    detail's CPU a request fell from 1.19 to 0.65 ms: bench/). The fast path of the ledger's
    two hottest reads (`issues_api.issues.fast`) uses this instead, for requests whose work is
    only `fetch` and `enter_tenant`: both take it in place of a session. Anything else (an ORM
    query) needs a real session; the object has none of a session's methods, so such a call
    fails loudly rather than running elsewhere.

    As a read session's: one transaction, begun on entry and rolled back on exit, on a
    connection from the engine's own pool (its pre-ping, its connect settings), so a tenant
    set for row-level security ends with it. A connection that cannot be brought back out of
    its transaction (an error or a cancellation while rolling back) is discarded, never
    returned to the pool mid-transaction. PostgreSQL (asyncpg) only.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.driver != "asyncpg":
            raise ValueError("ReadConnection: asyncpg only; use a session elsewhere")
        #: the engine, as `AsyncSession.bind` is (callers read the dialect from it)
        self.bind = engine
        self._raw: Any = None
        self._transaction: Any = None

    async def __aenter__(self) -> "ReadConnection":
        raw = await self.bind.raw_connection()
        try:
            driver: Any = raw.driver_connection
            transaction = driver.transaction()
            await transaction.start()
        except BaseException as error:
            wrapped = self._wrapped(error, "BEGIN", [], raw) if isinstance(error, Exception) else None
            await self._discard(raw)
            if wrapped is not None:
                raise wrapped from error
            raise
        self._raw, self._transaction = raw, transaction
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        raw, transaction = self._raw, self._transaction
        self._raw = self._transaction = None
        try:
            await transaction.rollback()
        except Exception:
            # the reads are done (nothing was written); a connection that cannot roll back is gone
            await self._discard(raw)
            return
        except BaseException:  # cancelled while rolling back
            await self._discard(raw)
            raise
        if raw.driver_connection.is_in_transaction():
            await self._discard(raw)  # never hand the pool a connection mid-transaction
        else:
            await greenlet_spawn(raw.close)  # back to the pool (if the pool closes it instead, that awaits)

    async def fetch(self, stmt: Executable, params: dict[str, Any] | None = None) -> Sequence[Any]:
        if self._raw is None:
            raise RuntimeError("ReadConnection used outside its `async with`")
        engine = self.bind.sync_engine
        prepared = _prepared(stmt, engine.dialect)
        args = prepared.arguments(params)
        if engine._has_events:
            # as `fetch` on a session: listeners see the statement (no connection, cursor or context)
            engine.dispatch.before_cursor_execute(None, None, prepared.sql, tuple(args), None, False)
        try:
            rows: Sequence[Any] = await self._raw.driver_connection.fetch(prepared.sql, *args, record_class=FetchedRow)
            return rows
        except Exception as error:
            raise self._wrapped(error, prepared.sql, args, self._raw) from error

    def _wrapped(self, error: Exception, sql: str, args: list[Any], raw: Any) -> BaseException:
        wrapped, disconnect = _driver_error(error, sql, args, self.bind.dialect, raw.dbapi_connection)
        if disconnect:
            raw.invalidate(soft=True)  # the pool replaces it at its next checkout, not now
        return wrapped

    @staticmethod
    async def _discard(raw: Any) -> None:
        """Close the driver connection and drop it from the pool (closing awaits: in a greenlet)."""
        try:
            await greenlet_spawn(raw.invalidate)
        finally:
            await greenlet_spawn(raw.close)


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
