"""`schemathesis run --checks all` against the embedded default with the demo data, signed in as the
office admin: what a provincial integrator runs against the published document.

The server is `rectify serve` on SQLite (a fresh data dir, `rectify migrate` + `rectify load-demo`);
schemathesis is its own command line, run from the repository root so that `schemathesis.toml`
(and its hooks, `tests/faults/schemathesis_hooks.py`: a fresh Idempotency-Key per request, the run's
own account and session spared, the rules JSON Schema cannot state) apply exactly as they do for a
person running it by hand. Every operation of the document is covered unedited, with every check.
Left out: the open change stream (it never ends; `services/issues-api/tests/test_change_stream.py`
runs it) and signing out (it would end the run's session).

`make test` runs the short run (the documented examples and 2 fuzzed cases per operation, fixed seed);
`make test-faults` (marker `faults`) every phase — examples, coverage, fuzzing, stateful — with
RECTIFY_SCHEMATHESIS_EXAMPLES (default 60) cases per operation.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..live_system import SERVE_DEMO, embedded_env, free_port, live_system

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 20241215
PASSWORD = "fuzz-office-pw-2024"
EXCLUDED = ("/api/v1/changes/stream", "/api/v1/auth/logout")


def _env(redis_url: str, queue_prefix: str, tmp_path: Path) -> dict[str, str]:
    return embedded_env(
        tmp_path,
        free_port(),
        REDIS_URL=redis_url,
        RECTIFY_QUEUE_PREFIX=queue_prefix,
        RECTIFY_RATE_LIMIT="",
        RECTIFY_ADMIN_PASSWORD=PASSWORD,
        RECTIFY_ACCESS_TOKEN_MINUTES="600",
        RECTIFY_LOG_LEVEL="WARNING",
    )


def _sign_in(base: str) -> tuple[str, str, str]:
    """(access token, the admin's user id, the session's ref)."""
    token = httpx.post(base + "/api/v1/auth/token", data={"username": "admin", "password": PASSWORD}, timeout=30)
    token.raise_for_status()
    auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
    me = httpx.get(base + "/api/v1/me", headers=auth, timeout=30).json()
    sessions = httpx.get(base + "/api/v1/me/sessions", headers=auth, timeout=30).json()
    ref = next(s["id"] for s in sessions if s["current"])
    return token.json()["access_token"], str(me["id"]), ref


def _fuzz(redis_url: str, queue_prefix: str, tmp_path: Path, phases: str, examples: int) -> dict[str, Any]:
    env = _env(redis_url, queue_prefix, tmp_path)
    with live_system(SERVE_DEMO, env, tmp_path / "serve.log", wait_seconds=90) as base:
        token, user_id, ref = _sign_in(base)
        report = tmp_path / "report"
        cmd = [str(BIN / "schemathesis"), "run", base + "/api/v1/openapi.json", "--checks", "all",
               "--phases", phases, "-n", str(examples), "--seed", str(SEED), "-w", "1", "--no-color",
               "-H", f"Authorization: Bearer {token}", "--report", "json", "--report-dir", str(report),
               *(a for path in EXCLUDED for a in ("--exclude-path", path))]  # fmt: skip
        fuzz_env = {**env, "RECTIFY_FUZZ_USER_ID": user_id, "RECTIFY_FUZZ_SESSION_REF": ref}
        run = subprocess.run(cmd, cwd=ROOT, env=fuzz_env, capture_output=True, text=True, timeout=3600)
    reports = sorted(report.glob("json-*.json"))
    assert reports, run.stdout[-3000:] + run.stderr[-3000:]
    result: dict[str, Any] = json.loads(reports[-1].read_text())
    result["output"] = run.stdout
    return result


def _assert_clean(result: dict[str, Any]) -> None:
    summary = {f["code"]: (f["title"], f["operations"]) for f in result["failures"]}
    assert not result["failures"] and not result["errors"], (
        f"{summary}\n\n{result['output'][-12000:]}"  # the failures, each with its curl to reproduce
    )
    assert result["operations"]["tested"] >= 100  # the whole document, not a filtered corner of it


def test_schemathesis_short(redis_url, queue_prefix, tmp_path):
    result = _fuzz(redis_url, queue_prefix, tmp_path, "examples,fuzzing", examples=2)
    _assert_clean(result)


@pytest.mark.faults
def test_schemathesis_full(redis_url, queue_prefix, tmp_path):
    examples = int(os.environ.get("RECTIFY_SCHEMATHESIS_EXAMPLES", "60"))
    result = _fuzz(redis_url, queue_prefix, tmp_path, "examples,coverage,fuzzing,stateful", examples)
    _assert_clean(result)
