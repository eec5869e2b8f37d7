"""With CI=true a missing PostgreSQL or Redis fails the run; it never silently skips."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = "shared/tests/test_status_and_tree.py::test_published_transition_table"


def run_pytest(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # the notifier's event tests have PostgreSQL and Redis cases (and take seconds, not minutes)
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", PROBE, "services/notifier/tests/test_events.py"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("what", "env"),
    [
        ("PostgreSQL", {"TEST_DATABASE_URL": "postgresql://root@127.0.0.1:1/test"}),
        ("Redis", {"TEST_REDIS_URL": "redis://127.0.0.1:1/0"}),
    ],
)
def test_ci_fails_when_a_server_is_down(what, env):
    result = run_pytest(CI="true", **env)
    assert result.returncode != 0
    assert f"CI=true and {what} is not reachable" in result.stdout + result.stderr


def test_outside_ci_a_missing_postgres_is_skipped_and_listed():
    result = run_pytest(CI="false", TEST_DATABASE_URL="postgresql://root@127.0.0.1:1/test")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "PostgreSQL tests skipped" in out and "test_a_repeated_event_is_recorded_once[postgresql]" in out
