"""The database is the record, Redis the transport: the sweep re-enqueues what is owed, and
`python -m report_worker` takes jobs from its own queue (real Redis)."""

import asyncio
import os
import random
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared import queue
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.enums import ReportState
from rectify_shared.jobs import RENDER_REPORT, REPORT_WORKER_QUEUE, queue_name
from rectify_shared.models import metadata
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings
from report_worker.jobs import MAX_ATTEMPTS, sweep_reports

from .ledger_data import add_job, job_row, seed_ledger


@pytest.mark.asyncio
async def test_sweep_re_enqueues_lost_and_stale_jobs_once(
    engine: AsyncEngine, redis_url: str, queue_prefix: str
) -> None:
    sessions = make_sessionmaker(engine)
    await seed_ledger(sessions)
    now = utcnow()
    # arq job ids are global to a Redis: ids unique to this run keep runs apart
    base = random.randint(10**6, 10**9)
    lost = await add_job(sessions, job_id=base + 1, requested_at=now - timedelta(minutes=2))
    await add_job(sessions, job_id=base + 2)  # just requested: its message is probably on its way
    stale = await add_job(
        sessions,
        job_id=base + 3,
        state=ReportState.running,
        attempts=1,
        requested_at=now - timedelta(minutes=20),
        started_at=now - timedelta(minutes=11),
    )
    await add_job(
        sessions,
        job_id=base + 4,
        state=ReportState.running,
        attempts=1,
        requested_at=now - timedelta(minutes=20),
        started_at=now - timedelta(minutes=1),
    )
    hopeless = await add_job(
        sessions,
        job_id=base + 5,
        state=ReportState.running,
        attempts=MAX_ATTEMPTS,
        requested_at=now - timedelta(hours=1),
        started_at=now - timedelta(minutes=11),
    )
    await add_job(sessions, job_id=base + 6, state=ReportState.done, requested_at=now - timedelta(hours=1))

    redis = await queue.connect(redis_url)
    ctx = {"write_sessions": sessions, "redis": redis, "settings": Settings(queue_prefix=queue_prefix)}
    # enqueue() namespaces job ids with the deployment's queue prefix
    expected = {f"{queue_prefix}:report:{lost}:sweep:0": lost, f"{queue_prefix}:report:{stale}:sweep:1": stale}
    try:
        assert await sweep_reports(ctx) == 2
        queued = await redis.queued_jobs(queue_name=queue_name(queue_prefix, REPORT_WORKER_QUEUE))
        assert {j.job_id: list(j.args) for j in queued} == {k: [{"report_id": v}] for k, v in expected.items()}
        assert {j.function for j in queued} == {RENDER_REPORT}

        given_up = await job_row(sessions, hopeless)
        assert given_up.state == ReportState.failed and given_up.error == f"gave up after {MAX_ATTEMPTS} attempts"

        # the next minute: the same jobs are still owed, but arq already holds them
        assert await sweep_reports(ctx) == 0
        assert len(await redis.queued_jobs(queue_name=queue_name(queue_prefix, REPORT_WORKER_QUEUE))) == 2
    finally:
        await redis.delete(queue_name(queue_prefix, REPORT_WORKER_QUEUE), *(f"arq:job:{k}" for k in expected))
        await redis.aclose()


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_python_m_report_worker_renders_an_enqueued_report(
    tmp_path: Path, redis_url: str, queue_prefix: str
) -> None:
    db = tmp_path / "rectify.db"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_sessionmaker(engine)
    await seed_ledger(sessions)
    report_id = await add_job(sessions, "xlsx")

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "REDIS_URL": redis_url,
        "RECTIFY_QUEUE_PREFIX": queue_prefix,
        "RECTIFY_DATA_DIR": str(tmp_path),
        "RECTIFY_LOG_JSON": "true",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "report_worker", env=env, stdout=log, stderr=subprocess.STDOUT
        )
    redis = await queue.connect(redis_url)
    job_id = f"report:{report_id}:{queue_prefix}"
    try:
        assert await queue.enqueue(
            redis, queue_prefix, REPORT_WORKER_QUEUE, RENDER_REPORT, {"report_id": report_id}, job_id
        )
        deadline = asyncio.get_running_loop().time() + 30
        while (job := await job_row(sessions, report_id)).state not in (ReportState.done, ReportState.failed):
            assert proc.returncode is None, log_path.read_text()
            assert asyncio.get_running_loop().time() < deadline, log_path.read_text()
            await asyncio.sleep(0.2)
        assert job.state == ReportState.done, job.error
        assert job.file_name == "锡林郭勒盟督察整改台账（截至2024-12-15）.xlsx"
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 15)
        await redis.delete(f"arq:job:{queue_prefix}:{job_id}", f"arq:result:{queue_prefix}:{job_id}")
        await redis.aclose()
        await engine.dispose()
    assert '"report_done"' in log_path.read_text()
