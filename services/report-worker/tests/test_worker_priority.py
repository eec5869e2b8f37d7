"""The report worker runs at a lower CPU priority than the API it may share a machine with."""

import os
import subprocess
import sys
import time


def _worker_nice(tmp_path, **env: str) -> int:
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
        deadline = time.monotonic() + 30
        base = os.getpriority(os.PRIO_PROCESS, 0)
        while time.monotonic() < deadline and proc.poll() is None:
            nice = os.getpriority(os.PRIO_PROCESS, proc.pid)
            if nice != base:
                return nice - base
            time.sleep(0.1)
        return os.getpriority(os.PRIO_PROCESS, proc.pid) - base
    finally:
        proc.kill()
        proc.wait()


def test_the_report_worker_lowers_its_priority_by_the_setting(tmp_path):
    assert _worker_nice(tmp_path) == 10
    assert _worker_nice(tmp_path, RECTIFY_REPORT_WORKER_NICE="3") == 3
