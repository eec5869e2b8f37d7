"""A Node 20 client against a live issues-api (issue 20): `clients/node/rectify-client.test.js`,
typed by openapi-typescript from `docs/openapi.json` and type-checked by `tsc --checkJs`, run with
`node --test` against `rectify serve` on the embedded default (SQLite in a temporary data dir,
the demo data loaded). It signs in as the county unit `abgq`, reads its to-do, reports progress with
a photo and opens the signed download link, asserting every id exact in JavaScript.

Without `node`/`npm` it is skipped, except under CI=true, where it fails. The types are prepared
(npm ci from the lock, preferring the local cache; generation; type check) while the server starts.
"""

import os
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .live_system import SERVE_DEMO, embedded_env, free_port, live_system, signed_in, tail

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "clients" / "node"
DEMO_PASSWORD = "node-client-demo-pw"
ADMIN_PASSWORD = "node-client-admin-pw"


def _node() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("node and npm are required under CI=true (the Node client is run)", pytrace=False)
        pytest.skip("node is not installed: the Node client was not run (CI runs it)")


def _prepare_types() -> subprocess.Popen[str]:
    """npm ci (when the lock's tools are missing), then generate the types and type-check the client."""
    steps = ["npm run --silent gen", "npm run --silent check"]
    if not (CLIENT / "node_modules" / ".bin" / "tsc").exists():
        steps.insert(0, "npm ci --prefer-offline --no-audit --no-fund")
    return subprocess.Popen(
        " && ".join(steps), shell=True, cwd=CLIENT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _assign_overdue_measure(base: str) -> None:
    """The office gives 阿巴嘎旗 a problem with a measure due two weeks ago (the demo's unit has
    finished its own): the unit's to-do then holds work overdue."""
    with signed_in(base, "admin", ADMIN_PASSWORD) as office:
        orgs = office.get("/orgs", params={"limit": 200}).json()["items"]
        unit = next(o["id"] for o in orgs if o["name"] == "阿巴嘎旗")
        round_id = office.get("/rounds").json()["items"][0]["id"]
        day = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        issue = office.post(
            "/issues",
            json={
                "round_id": round_id,
                "category": "其他需要关注的问题方面",
                "description": "某嘎查草原围栏内非法开垦。",
                "lead_org_id": unit,
                "deadline": (day + timedelta(days=60)).isoformat(),
            },
        )
        assert issue.status_code == 201, issue.text
        measure = office.post(
            f"/issues/{issue.json()['id']}/measures",
            json={"text": "清理开垦地块并补播复绿。", "responsible_org_id": unit, "deadline": f"{day - timedelta(14)}"},
        )
        assert measure.status_code == 201, measure.text


def test_a_node_client_typed_from_the_document_does_a_units_day(tmp_path: Path, redis_url: str) -> None:
    _node()
    started = time.monotonic()
    types = _prepare_types()
    port = free_port()
    env = embedded_env(
        tmp_path,
        port,
        REDIS_URL=redis_url,
        RECTIFY_QUEUE_PREFIX=f"rectify-node-{port}",
        RECTIFY_DEMO_PASSWORD=DEMO_PASSWORD,
        RECTIFY_ADMIN_PASSWORD=ADMIN_PASSWORD,
        RECTIFY_ACCESS_LOG="false",
    )
    log_path = tmp_path / "api.log"
    try:
        with live_system(SERVE_DEMO, env, log_path, wait_seconds=120) as base:
            _assign_overdue_measure(base)
            prepared, _ = types.communicate(timeout=180)
            assert types.returncode == 0, f"the client's types did not generate or type-check:\n{prepared}"

            run = subprocess.run(
                ["node", "--test", "rectify-client.test.js"],
                cwd=CLIENT,
                env={**os.environ, "RECTIFY_BASE_URL": base, "RECTIFY_DEMO_PASSWORD": DEMO_PASSWORD},
                capture_output=True,
                text=True,
                timeout=120,
            )
            report = run.stdout + run.stderr
            assert run.returncode == 0, report + "\n--- api log ---\n" + tail(log_path)
            # the script really ran its steps (not zero tests passing vacuously)
            assert "# pass 5" in report and "# fail 0" in report, report
    finally:
        if types.poll() is None:
            types.kill()
    print(f"node client: {time.monotonic() - started:.1f} s")
