"""The performance layer under the API's hottest reads: Core statements on the session's own
connection (`core_execute`), built-once statements run through asyncpg's statement cache
(`fetch`), and a session-less read transaction (`ReadConnection`).

It drives SQLAlchemy's asyncpg adapter through private names (the adapted connection's
`_execute_mutex`, `_transaction`, `_start_transaction`, `_connection`, `_handle_exception`; the
compiled statement's `_result_columns` and `_bind_processors`; the engine's `_has_events`; the
connection's `_dbapi_connection`; the session's `_is_clean`).
`shared/tests/test_private_names.py` checks that they still exist, so a SQLAlchemy or asyncpg
upgrade that renames one fails in CI, not at run time. Engines and sessions are in `db`.
"""

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Dialect, Executable, Result, bindparam, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

from .models.types import UTCDateTime

#: session.info key: (the session's transaction, its connection), see `_flushed_connection`
_CONNECTION = "rectify_fast_connection"


async def _flushed_connection(session: AsyncSession) -> AsyncConnection:
    """The session's own connection (its transaction and tenant), pending ORM changes flushed
    first, as `session.execute` would.

    Within one transaction the connection is remembered: `session.connection()` crosses into a
    greenlet each time (about a tenth of a progress write's CPU for its nine statements, bench/).
    A new transaction (after a commit or a rollback) or one no longer active asks again."""
    if not session.sync_session._is_clean():  # what `flush` itself checks (`new`, `dirty` cost more)
        await session.flush()
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_CONNECTION)
    if known is not None and transaction is not None and known[0] is transaction and transaction.is_active:
        conn: AsyncConnection = known[1]
        return conn
    conn = await session.connection()
    session.info[_CONNECTION] = (session.sync_session.get_transaction(), conn)
    return conn


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
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        # a default SQLAlchemy computes at execution (a callable, an onupdate): no execution here
        names = [c.name for c in [*compiled.insert_prefetch, *compiled.update_prefetch]]
        raise ValueError(f"fetch: give {names} a value (`insert_of`): their defaults are computed per execution")
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


async def _fetch_driver(driver: Any, sql: str, args: list[Any], seen: Any) -> Sequence[Any]:
    """The statement's rows on the asyncpg connection (`seen(sql, args)`: tell the listeners, or None)."""
    if seen is not None:
        seen(sql, tuple(args))
    rows: Sequence[Any] = await driver.fetch(sql, *args, record_class=FetchedRow)
    return rows


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
    return await _on_driver(conn, stmt, params)


async def _on_driver(conn: AsyncConnection, stmt: Executable, params: dict[str, Any] | None) -> Sequence[Any]:
    """`fetch` on asyncpg: the statement compiled once, run on the connection's driver connection."""
    prepared = _prepared(stmt, conn.dialect)
    args = prepared.arguments(params)
    sync: Any = conn.sync_connection
    seen = None
    if sync._has_events or sync.engine._has_events:
        # listeners (statement capture for bench/, fault injection, tracing) see it as they see
        # any statement: its SQL and positional parameters, no cursor and no execution context
        def seen(sql: str, values: tuple[Any, ...]) -> None:
            sync.dispatch.before_cursor_execute(sync, None, sql, values, None, False)

    # the connection's own pooled connection: `get_raw_connection` crosses into a greenlet for
    # the same attribute (only a connection invalidated since needs that, to reconnect)
    pooled = sync._dbapi_connection
    adapted: Any = (pooled if pooled is not None else await conn.get_raw_connection()).dbapi_connection
    async with adapted._execute_mutex:
        try:
            if adapted._transaction is None:
                await adapted._start_transaction()
            return await _fetch_driver(adapted._connection, prepared.sql, args, seen)
        except Exception as error:
            failed = error
            wrapped, disconnect = _driver_error(error, prepared.sql, args, conn.dialect, adapted)
    if disconnect:
        await conn.invalidate()
    raise wrapped from failed


def insert_of(table: Any, keys: Sequence[str]) -> Any:
    """A Core INSERT of exactly `keys`, each bound as `b_<key>` (`bound` renames the values), for
    `write`: every column a value, none left to a default computed per execution."""
    return insert(table).values({k: bindparam(f"b_{k}", type_=table.c[k].type) for k in keys})


def bound(values: dict[str, Any]) -> dict[str, Any]:
    """`values` under the bind names of `insert_of`."""
    return {f"b_{k}": v for k, v in values.items()}


async def write(session: AsyncSession, stmt: Executable, params: dict[str, Any]) -> None:
    """A built-once INSERT or UPDATE (no RETURNING) on the session's own connection, as `fetch`
    runs a select: on asyncpg compiled once and sent through the driver's statement cache, its
    SQL seen by the statement listeners; elsewhere `core_execute`. For the hottest write (the
    progress report, its outbox event and audit record: bench/). Every bind the statement has
    must be given or have a default (a Core insert built with `.values(col=bindparam(...))`)."""
    conn = await _flushed_connection(session)
    if conn.dialect.driver != "asyncpg":
        await conn.execute(stmt, params)
        return
    await _on_driver(conn, stmt, params)


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


#: `ReadConnection(generic_plans=True)`'s BEGIN
GENERIC_BEGIN = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"


class ReadConnection:
    """A read-only request's statements on one pooled asyncpg connection, without an ORM session.

        async with ReadConnection(engine) as reads:
            rows = await fetch(reads, STATEMENT, {...})

    An `AsyncSession` costs CPU around its statements: its begin, a greenlet switch to find its
    connection for every statement, its close, expunge and pool checkin (0.37 ms against 0.14 ms
    for BEGIN + 2 SELECT + ROLLBACK on a connection of the same pool; with this, the issue
    detail's CPU a request fell from 1.19 to 0.65 ms: bench/). The fast path of the ledger's
    two hottest reads (`issues_api.core.fast_reads`) uses this instead, for requests whose work is
    only `fetch` and `enter_tenant`: both take it in place of a session. Anything else (an ORM
    query) needs a real session; the object has none of a session's methods, so such a call
    fails loudly rather than running elsewhere.

    As a read session's: one transaction, begun on entry and rolled back on exit, on a
    connection from the engine's own pool (its pre-ping, its connect settings), so a tenant
    set for row-level security ends with it. A connection that cannot be brought back out of
    its transaction (an error or a cancellation while rolling back) is discarded, never
    returned to the pool mid-transaction. PostgreSQL (asyncpg) only.
    """

    def __init__(self, engine: AsyncEngine, *, generic_plans: bool = False) -> None:
        """`generic_plans`: the transaction plans its prepared statements once for any values
        (`SET LOCAL plan_cache_mode = force_generic_plan`, sent with BEGIN in one message: no
        round trip of its own), for a read whose statements have no value that changes their best
        plan; the engine's connections otherwise plan each run for its values (`db.make_engine`)."""
        if engine.dialect.driver != "asyncpg":
            raise ValueError("ReadConnection: asyncpg only; use a session elsewhere")
        #: the engine, as `AsyncSession.bind` is (callers read the dialect from it)
        self.bind = engine
        self._generic = generic_plans
        self._raw: Any = None
        self._transaction: Any = None

    async def __aenter__(self) -> "ReadConnection":
        raw = await self.bind.raw_connection()
        try:
            driver: Any = raw.driver_connection
            if self._generic:
                # BEGIN and the setting in one simple-protocol message (asyncpg's transaction object
                # sends BEGIN alone); ended by our own ROLLBACK (`__aexit__`)
                transaction = None
                await driver.execute(GENERIC_BEGIN)
            else:
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
            if transaction is None:
                await raw.driver_connection.execute("ROLLBACK")
            else:
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
        seen = None
        if engine._has_events:
            # as `fetch` on a session: listeners see the statement (no connection, cursor or context)
            def seen(sql: str, values: tuple[Any, ...]) -> None:
                engine.dispatch.before_cursor_execute(None, None, sql, values, None, False)

        try:
            return await _fetch_driver(self._raw.driver_connection, prepared.sql, args, seen)
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
