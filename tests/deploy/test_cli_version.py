"""`rectify --version` names the package, the API and the schema head (what an operator reports)."""

import subprocess
import sys

from issues_api.schema import head_revision


def test_version_names_package_api_and_schema() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "issues_api.cli", "--version"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip()
    assert line.startswith("rectify ") and "API " in line and f"schema {head_revision()}" in line
