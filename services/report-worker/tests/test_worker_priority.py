"""The report worker runs at a lower CPU priority than the API it may share a machine with."""

import os
import subprocess
import sys
import time

import pytest


def _worker_priority(tmp_path, **env: str) -> tuple[int, int]:
    """(how much the worker lowered its nice value, its scheduling policy), once it has set them."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "report_worker"],
        env={
            **os.environ,
            # nothing listens there: the worker lives on, retrying, which is all this needs
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "DATABASE_URL": f"sqlite:///{tmp_path}/r.db",
            "RECTIFY_DATA_DIR": str(tmp_path),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = os.getpriority(os.PRIO_PROCESS, 0)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if os.getpriority(os.PRIO_PROCESS, proc.pid) != base:
                time.sleep(0.2)  # the policy is set right after the nice value
                break
            time.sleep(0.1)
        return os.getpriority(os.PRIO_PROCESS, proc.pid) - base, os.sched_getscheduler(proc.pid)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_the_report_worker_yields_the_cpu_to_the_api(tmp_path):
    # the default: nice 10 and SCHED_IDLE (a core only when nothing else wants it)
    assert _worker_priority(tmp_path) == (10, os.SCHED_IDLE)
    assert _worker_priority(tmp_path, RECTIFY_REPORT_WORKER_NICE="3") == (3, os.SCHED_IDLE)
    assert _worker_priority(tmp_path, RECTIFY_REPORT_WORKER_IDLE="false") == (10, os.SCHED_OTHER)
