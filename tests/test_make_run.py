"""`make run`'s command on the embedded default: SQLite file + embedded Redis + three processes."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (httpx.HTTPError, sqlite3.Error) as exc:
            last = exc
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what} ({last})")


def test_rectify_run_serves_the_demo_and_runs_the_workers(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "RECTIFY_REDIS_URL")}
    env.update(RECTIFY_DATA_DIR=str(tmp_path / "var"), RECTIFY_PORT=str(port), RECTIFY_ADMIN_PASSWORD="run-test-pw")
    rectify = Path(sys.executable).with_name("rectify")
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen([str(rectify), "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: httpx.get(f"{base}/readyz").status_code == 200, 90, "readiness")
        assert httpx.get(f"{base}/api/v1/issues").status_code == 401
        signed = httpx.post(f"{base}/api/v1/auth/token", data={"username": "admin", "password": "run-test-pw"})
        assert signed.status_code == 200, signed.text
        httpx_client = httpx.Client(headers={"Authorization": f"Bearer {signed.json()['access_token']}"})
        rounds = httpx_client.get(f"{base}/api/v1/rounds").json()["items"]
        assert [r["name"] for r in rounds] == ["第二轮中央生态环境保护督察"]
        items = httpx_client.get(f"{base}/api/v1/issues", params={"round_id": rounds[0]["id"]}).json()["items"]
        assert [i["seq"] for i in items] == list(range(1, 13))
        detail = httpx_client.get(f"{base}/api/v1/issues/{items[0]['id']}").json()
        assert detail["measures"][0]["text"].startswith("盟委将生态文明建设、生态环境保护工作纳入重要议事日程")

        target = next(i for i in items if i["status"] == "in_progress")
        assert (
            httpx_client.patch(
                f"{base}/api/v1/issues/{target['id']}", json={"status": "completed", "reason": "整改办核定"}
            ).status_code
            == 200
        )
        db = tmp_path / "var" / "rectify.db"

        def receipt():
            with sqlite3.connect(db) as conn:
                return conn.execute(
                    "SELECT event_id FROM event_receipt WHERE event_type = 'issue.status_changed' AND aggregate_id = ?",
                    (target["id"],),
                ).fetchone()

        wait(receipt, 30, "the notifier to receive the status change")

        job = httpx_client.post(
            f"{base}/api/v1/reports", json={"kind": "ledger", "round_id": rounds[0]["id"], "format": "xlsx"}
        )
        assert job.status_code == 202
        report_id = job.json()["id"]
        done = wait(
            lambda: (
                (r := httpx_client.get(f"{base}/api/v1/reports/{report_id}").json())["status"] in ("done", "failed")
                and r
            ),
            60,
            "the ledger report",
        )
        assert done["status"] == "done", done
        file = httpx_client.get(f"{base}/api/v1/reports/{report_id}/file")
        assert file.status_code == 200 and file.content[:2] == b"PK"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        log.close()
    output = (tmp_path / "run.log").read_text(errors="replace")
    assert "embedded Redis" in output
    assert "admin / run-test-pw" in output  # the start-up banner tells how to sign in
    assert code == 0, output[-3000:]
