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
