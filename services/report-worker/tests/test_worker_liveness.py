"""A running worker keeps a heartbeat that the liveness probe checks; snapshots read from
DATABASE_RO_URL; only the scheduler schedules the sweep (real Redis)."""

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from rectify_shared import heartbeat
from rectify_shared.settings import Settings
from report_worker.worker import build_worker, on_shutdown, on_startup


@pytest.mark.asyncio
async def test_a_polling_worker_beats_and_the_probe_sees_it(
    tmp_path: Path, redis_url: str, queue_prefix: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", redis_url=redis_url, queue_prefix=queue_prefix, data_dir=tmp_path
    )
    monkeypatch.setenv("RECTIFY_DATA_DIR", str(tmp_path))
    assert heartbeat.main(["report-worker", "--max-age", "60"]) == 1  # never started

    worker = build_worker(settings, handle_signals=False)
    task = asyncio.create_task(worker.async_run())
    try:
        for _ in range(150):
            if heartbeat.heartbeat_age(settings.effective_heartbeat_dir, "report-worker") is not None:
                break
            assert not task.done(), task
            await asyncio.sleep(0.1)
        assert heartbeat.main(["report-worker", "--max-age", "60"]) == 0
        assert "report-worker: alive" in capsys.readouterr().out
        assert heartbeat.main(["notifier", "--max-age", "60"]) == 1  # its own file
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await worker.close()


def test_only_the_scheduler_schedules_the_sweep_and_every_worker_can_run_it(tmp_path: Path) -> None:
    base = {"database_url": f"sqlite:///{tmp_path / 'x.db'}", "queue_prefix": "p"}
    scheduler = build_worker(Settings(**base, run_periodic=True), handle_signals=False)
    plain = build_worker(Settings(**base, run_periodic=False), handle_signals=False)
    assert [c.name for c in scheduler.cron_jobs] == ["cron:p:sweep_reports"]
    assert plain.cron_jobs == []
    assert set(plain.functions) == set(scheduler.functions) == {"render_report", "cron:p:sweep_reports"}


@pytest.mark.asyncio
async def test_report_snapshots_read_from_the_read_only_url(tmp_path: Path) -> None:
    primary, replica = tmp_path / "primary.db", tmp_path / "replica.db"
    for path, where in ((primary, "primary"), (replica, "replica")):
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE whereami (name text)")
            conn.execute("INSERT INTO whereami VALUES (?)", (where,))
    ctx: dict = {"settings": Settings(database_url=f"sqlite:///{primary}", database_ro_url=f"sqlite:///{replica}")}
    await on_startup(ctx)
    try:
        async with ctx["read_sessions"]() as session:
            assert (await session.exec(text("SELECT name FROM whereami"))).scalar_one() == "replica"  # type: ignore[call-overload]
        async with ctx["write_sessions"]() as session:
            assert (await session.exec(text("SELECT name FROM whereami"))).scalar_one() == "primary"  # type: ignore[call-overload]
    finally:
        await on_shutdown(ctx)
