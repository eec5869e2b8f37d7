"""Clients generate from the OpenAPI document without a warning: TypeScript types with
openapi-typescript (pinned in tools/openapi-check/, type-checked against `client.ts` there), and a
Python client with openapi-python-client. Without `node` the TypeScript half is skipped, except
under CI=true, where it fails."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from issues_api.main import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOOLS = Path(__file__).resolve().parents[3] / "tools" / "openapi-check"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(create_app().openapi(), ensure_ascii=False), encoding="utf-8")
    return path


def _node_tools() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node and npm are required under CI=true (the TypeScript client is generated)")
        pytest.skip("node is not installed: the TypeScript client was not generated (CI runs it)")
    bin_dir = TOOLS / "node_modules" / ".bin"
    if not (bin_dir / "openapi-typescript").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TOOLS, check=True, capture_output=True)
    return bin_dir


def test_typescript_types_generate_without_warnings_and_type_check(document: Path) -> None:
    bin_dir = _node_tools()
    out = TOOLS / "generated" / "rectify.ts"
    done = subprocess.run(
        [str(bin_dir / "openapi-typescript"), str(document), "-o", str(out)],
        cwd=TOOLS, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "warn" not in log.lower() and "⚠" not in log, log
    check = subprocess.run(
        [str(bin_dir / "tsc"), "-p", "tsconfig.json"], cwd=TOOLS, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_python_client_generates_without_warnings(document: Path, tmp_path: Path) -> None:
    generator = Path(sys.executable).parent / "openapi-python-client"
    if not generator.exists():
        pytest.fail("openapi-python-client is missing: pip install -c constraints.txt -r requirements-dev.txt")
    config = tmp_path / "config.json"  # the raw .xlsx upload is binary to a Python client
    config.write_text(json.dumps({"content_type_overrides": {XLSX: "application/octet-stream"}}))
    done = subprocess.run(
        [str(generator), "generate", "--path", str(document), "--output-path", str(tmp_path / "client"),
         "--meta", "none", "--overwrite", "--config", str(config)],
        capture_output=True, text=True, timeout=180,
        # its post-generation step runs ruff: the venv's, also when make runs pytest without the venv on PATH
        env={**os.environ, "PATH": f"{generator.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "warning" not in log.lower(), log
    package = tmp_path / "client"
    assert (package / "api" / "issues" / "issues_list.py").exists(), sorted(p.name for p in package.iterdir())
