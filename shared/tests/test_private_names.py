"""The private names of libraries that the code drives directly still exist.

`rectify_shared.db_fast` runs the API's hottest reads through SQLAlchemy's asyncpg adapter, the
ledger's xlsx writes XlsxWriter's escaping and format indexes, and the queue's worker overrides
arq's poll step. None of these names is public API: an upgrade may rename one, and the code would
then fail on the first request, report or poll. This test fails first, in CI, naming what moved.
"""

import inspect

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db import make_engine
from rectify_shared.db_fast import ReadConnection, fetch
from rectify_shared.models import Org


def test_xlsxwriter_names_the_ledger_uses_exist() -> None:
    from xlsxwriter.format import Format
    from xlsxwriter.xmlwriter import XMLwriter

    assert callable(XMLwriter._escape_control_characters)
    assert XMLwriter._escape_control_characters("a\x01b") == "a_x0001_b"
    assert callable(Format()._get_xf_index)


def test_arq_poll_step_the_queue_overrides_exists() -> None:
    from arq.worker import Worker

    from rectify_shared.queue import ResilientWorker

    assert inspect.iscoroutinefunction(Worker._poll_iteration)
    assert "_poll_iteration" in ResilientWorker.__dict__  # the override that calls it
    # its close() reads these, and learns that a job's function has ended from the job_tasks entry going
    init, run_job = inspect.getsource(Worker.__init__), inspect.getsource(Worker.run_job)
    assert "self._pool" in init and "self._handle_signals" in init
    assert "del self.job_tasks[job_id]" in run_job
    assert run_job.index("del self.job_tasks") < run_job.index("finish_job(")


def test_compiled_statement_names_fetch_reads_exist() -> None:
    engine = make_engine("postgresql+asyncpg://root@127.0.0.1:5432/none", pool_size=1)
    compiled = select(Org.id).where(Org.id == bindparam("org_id")).compile(dialect=engine.dialect)
    assert isinstance(compiled._result_columns, list) and len(compiled._result_columns[0]) == 4
    assert isinstance(compiled._bind_processors, dict)
    assert hasattr(compiled, "post_compile_params") and hasattr(compiled, "literal_execute_params")
    type_ = compiled._result_columns[0][3]
    assert callable(type_._cached_result_processor)
    assert isinstance(engine.sync_engine._has_events, bool)


@pytest.fixture
async def engine(pg_db_url: str) -> AsyncEngine:
    engine = make_engine(pg_db_url, pool_size=1)
    yield engine
    await engine.dispose()


@pytest.mark.postgres
async def test_asyncpg_adapter_names_fetch_drives_exist(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        sync = conn.sync_connection
        assert isinstance(sync._has_events, bool) and isinstance(sync.engine._has_events, bool)
        adapted = (await conn.get_raw_connection()).dbapi_connection
        assert sync._dbapi_connection.dbapi_connection is adapted  # what `_on_driver` reads without a greenlet
        for name in ("_execute_mutex", "_transaction", "_connection"):
            assert hasattr(adapted, name), f"SQLAlchemy's asyncpg adapter lost {name}"
        for name in ("_start_transaction", "_handle_exception"):
            assert callable(getattr(adapted, name)), f"SQLAlchemy's asyncpg adapter lost {name}()"
    async with AsyncSession(engine) as session:
        assert session.sync_session._is_clean() is True  # `_flushed_connection`'s check
        session.add(Org(name="x", path="/x/"))
        assert session.sync_session._is_clean() is False
        session.expunge_all()
    # and the path through them works end to end, on a session and on a ReadConnection
    async with ReadConnection(engine) as reads:
        assert list(await fetch(reads, select(Org.id).where(Org.id == bindparam("org_id")), {"org_id": -1})) == []
