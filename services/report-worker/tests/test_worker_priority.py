"""The report worker runs at a lower CPU priority than the API it may share a machine with."""

import os
import subprocess
import sys
import time
from pathlib import Path

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


def _autogroup(pid: int) -> str:
    """The process's autogroup line ("/autogroup-N nice K"), or "" while it is in the root group
    (the kernel prints nothing for a session that never left it: CI's runner, a container's init)."""
    return Path(f"/proc/{pid}/autogroup").read_text().strip()


def _autogroup_nice(pid: int) -> int | None:
    line = _autogroup(pid)
    return int(line.split()[-1]) if line else None


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="Linux autogroups (CONFIG_SCHED_AUTOGROUP)")
def test_a_render_in_its_own_session_gives_way_to_other_sessions_not_only_its_own():
    # SCHED_IDLE ranks a process only inside its scheduling group; PostgreSQL is in another one
    lower = "from rectify_shared.settings import load_settings; from report_worker.priority import lower_priority; " \
        "lower_priority(load_settings()); import time; time.sleep(30)"  # fmt: skip
    own = subprocess.Popen([sys.executable, "-c", lower], start_new_session=True)
    shared = subprocess.Popen([sys.executable, "-c", lower])  # a session it does not lead: left alone
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _autogroup_nice(own.pid) != 19:
            time.sleep(0.1)
        assert _autogroup_nice(own.pid) == 19
        while time.monotonic() < deadline and os.sched_getscheduler(shared.pid) != os.SCHED_IDLE:
            time.sleep(0.1)
        assert os.sched_getscheduler(shared.pid) == os.SCHED_IDLE
        # left in the test's own group, whatever that is (the root group prints nothing), untouched
        assert _autogroup(shared.pid) == _autogroup(os.getpid())
    finally:
        for proc in (own, shared):
            proc.kill()
            proc.wait()
