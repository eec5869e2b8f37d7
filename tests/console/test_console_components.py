"""The console's component tests (vitest + happy-dom in services/console) as part of `make test`."""

import subprocess
from pathlib import Path

import pytest

from issues_api.console import build


def test_vitest_component_tests_pass(console_built: Path):
    found = build.find_node()
    if isinstance(found, str):
        pytest.skip(found)
    env, npm = found
    done = subprocess.run(
        [*npm, "test", "--", "--reporter=dot"], cwd=build.SOURCE, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "passed" in done.stdout
