"""One way to keep a job row (rectify_shared.job_rows), the same for report jobs and scan requests,
and one way to run a job (rectify_shared.job_context): its ids on every log line."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from rectify_shared.job_context import JobContext, job, job_session
from rectify_shared.job_rows import DONE, FAILED, JobRows
from rectify_shared.models import metadata
from rectify_shared.models.types import utcnow

SCANS = metadata.tables["scan_request"]
REPORTS = metadata.tables["report_job"]


def _scan(job_id: int, **kw: Any) -> dict[str, Any]:
    row = {"id": job_id, "as_of": date(2026, 12, 1), "requested_by": "abgq", "dry_run": False, "state": "queued"}
    return row | {"attempts": 0, "requested_at": utcnow() - timedelta(hours=1), "started_at": None} | kw


def _report(job_id: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": job_id,
        "kind": "ledger",
        "format": "xlsx",
        "round_id": 1,
        "org_path": "/1/",
        "requested_by": "abgq",
    } | kw


@pytest.fixture
async def sessions(tmp_path: Path) -> Any:
    """The two job tables alone (no foreign keys enforced: their rounds and orgs are beside the point)."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: metadata.create_all(c, tables=[SCANS, REPORTS]))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


@pytest.mark.parametrize(("table", "row"), [(SCANS, _scan), (REPORTS, _report)], ids=["scan_request", "report_job"])
async def test_one_claimant_wins_and_the_attempt_fences_the_outcome(sessions: Any, table: Any, row: Any) -> None:
    rows = JobRows(table, stale_after=timedelta(minutes=10), max_attempts=3)
    async with sessions() as s:
        await s.execute(insert(table).values(row(1)))
        await s.commit()
    now = utcnow()
    async with sessions() as s:
        first = await rows.claim(s, 1, now)
        second = await rows.claim(s, 1, now)  # the message arrived twice
        await s.commit()
    assert first is not None and first.attempts == 1 and second is None
    # the first run's worker dies; once stale, a late message claims the row again
    later = now + timedelta(minutes=11)
    async with sessions() as s:
        retry = await rows.claim(s, 1, later)
        await s.commit()
    assert retry is not None and retry.attempts == 2
    async with sessions() as s:
        assert await rows.finish(s, first, later, FAILED, error="late") is False  # superseded: no write
        assert await rows.finish(s, retry, later, DONE, error=None) is True
        await s.commit()
        state, attempts, error = (await s.execute(select(table.c.state, table.c.attempts, table.c.error))).one()
    assert (state, attempts, error) == (DONE, 2, None)


async def test_the_sweep_finds_what_is_owed_and_gives_up_on_runs_that_keep_dying(sessions: Any) -> None:
    rows = JobRows(SCANS, stale_after=timedelta(minutes=10), queued_grace=timedelta(seconds=60), max_attempts=3)
    now = utcnow()
    async with sessions() as s:
        await s.execute(
            insert(SCANS),
            [
                _scan(1, requested_at=now - timedelta(minutes=2)),  # its message was lost
                _scan(2, requested_at=now),  # its message is on its way
                _scan(3, state="running", attempts=1, started_at=now - timedelta(minutes=11)),  # worker died
                _scan(4, state="running", attempts=1, started_at=now - timedelta(minutes=1)),  # running
                _scan(5, state="running", attempts=3, started_at=now - timedelta(minutes=11)),  # kept dying
            ],
        )
        await s.commit()
    async with sessions() as s:
        assert await rows.claim(s, 5, now) is None  # no fourth attempt, even from a late message
        assert await rows.give_up(s, now) == 1
        owed = [tuple(r) for r in await rows.owed_rows(s, now, limit=10)]
        await s.commit()
        five = (await s.execute(select(SCANS.c.state, SCANS.c.error).where(SCANS.c.id == 5))).one()
    assert owed == [(1, 0), (3, 1)]
    assert tuple(five) == (FAILED, "gave up after 3 attempts")


async def test_a_job_logs_its_ids_and_the_request_that_caused_it(sessions: Any) -> None:
    seen: dict[str, Any] = {}

    @job
    async def render(ctx: JobContext, payload: dict[str, Any]) -> str:
        seen.update(structlog.contextvars.get_contextvars())
        async with job_session(ctx) as session:
            seen["session"] = session.bind.dialect.name
        return "done"

    ctx: JobContext = {"job_id": "rectify:report:7:42", "job_try": 2, "write_sessions": sessions}
    assert await render(ctx, {"report_id": 7, "request_id": "3f0c9a4e"}) == "done"
    assert seen == {"job_id": "rectify:report:7:42", "job_try": 2, "request_id": "3f0c9a4e", "session": "sqlite"}
    assert structlog.contextvars.get_contextvars() == {}  # unbound after the run
    assert render.__qualname__.endswith("render")  # arq names the job after it
