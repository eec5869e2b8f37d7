"""The app's shutdown never hangs on one stuck step."""

import asyncio
import time

import pytest
from structlog.testing import capture_logs

from issues_api.main import _bounded


async def test_a_stuck_shutdown_step_is_abandoned_after_its_bound():
    stuck = asyncio.Event()  # never set
    started = time.monotonic()
    with capture_logs() as logs:  # whatever sink an earlier test configured
        await _bounded(stuck.wait(), "stuck_step", seconds=0.2)
    assert time.monotonic() - started < 2
    assert [e["step"] for e in logs if e["event"] == "shutdown_step_timed_out"] == ["stuck_step"]


async def test_a_failing_shutdown_step_still_fails_and_a_quick_one_just_runs():
    ran = []

    async def quick() -> None:
        ran.append(1)

    async def failing() -> None:
        raise RuntimeError("boom")

    await _bounded(quick(), "quick")
    assert ran == [1]
    with pytest.raises(RuntimeError, match="boom"):
        await _bounded(failing(), "failing")
