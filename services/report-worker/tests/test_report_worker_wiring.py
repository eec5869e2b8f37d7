"""How the worker is put together: its queue, JSON payloads, functions, cron and resources."""

from pathlib import Path

import pytest
from sqlalchemy import text

from rectify_shared import queue
from rectify_shared.settings import Settings
from report_worker.worker import build_worker, on_shutdown, on_startup


@pytest.mark.asyncio
async def test_worker_listens_on_its_own_queue_with_json_and_a_minutely_sweep(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", redis_url="redis://127.0.0.1:6399/0", queue_prefix="tenant-a"
    )
    worker = build_worker(settings, handle_signals=False)  # built without touching Redis
    assert worker.queue_name == "tenant-a:queue:report-worker"
    assert worker.job_serializer is queue.serialize and worker.job_deserializer is queue.deserialize
    assert set(worker.functions) == {"render_report", "cron:tenant-a:sweep_reports"}
    [sweep] = worker.cron_jobs
    assert sweep.second == 0 and sweep.minute is None and sweep.unique
    assert worker.redis_settings.port == 6399 and worker.redis_settings.conn_retries > 0


@pytest.mark.asyncio
async def test_startup_opens_the_database_and_shutdown_closes_it(tmp_path: Path) -> None:
    ctx = {"settings": Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")}
    await on_startup(ctx)
    assert str(ctx["engine"].url).startswith("sqlite+aiosqlite:///")
    async with ctx["read_sessions"]() as session:
        assert (await session.exec(text("SELECT 1"))).scalar_one() == 1  # type: ignore[call-overload]
    await on_shutdown(ctx)
