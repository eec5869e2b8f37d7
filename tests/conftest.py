"""End-to-end fixtures: the workers as real processes on the test database and Redis."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def start_worker(module: str, settings: Any, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "RECTIFY_QUEUE_PREFIX": settings.queue_prefix,
        "RECTIFY_DATA_DIR": str(settings.data_dir),
    }
    out = log.open("wb")
    return subprocess.Popen([sys.executable, "-m", module], env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def workers(settings: Any, tmp_path: Path) -> Iterator[dict[str, Path]]:
    logs = {m: tmp_path / f"{m}.log" for m in ("notifier", "report_worker")}
    procs = [start_worker(m, settings, log) for m, log in logs.items()]
    try:
        yield logs
    finally:
        for p in procs:
            stop(p)


async def wait_for(predicate: Any, seconds: float = 30.0, what: str = "condition") -> Any:
    import asyncio

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


async def render_demo_report(app: Any, round_id: int, kind: Any, fmt: Any, as_of: Any = None) -> bytes:
    """Render a report of the round's office through the real report job (in process); its bytes."""
    from datetime import date

    from sqlalchemy import select

    from rectify_shared.models import InspectionRound, ReportFile, ReportJob
    from report_worker.jobs import render_report

    state = app.state.rectify
    async with state.write_sessions() as s:
        office_path = (
            await s.execute(select(InspectionRound.org_path).where(InspectionRound.id == round_id))
        ).scalar_one()
        job = ReportJob(
            kind=kind,
            format=fmt,
            round_id=round_id,
            as_of=as_of or date(2024, 12, 15),
            org_path=office_path,
            requested_by="test",
        )
        s.add(job)
        await s.commit()
        job_id = job.id
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": job_id}) == "done"
    async with state.read_sessions() as s:
        content: bytes = (
            await s.execute(select(ReportFile.content).where(ReportFile.report_id == job_id))
        ).scalar_one()
    return content
