"""The PostgreSQL restore drill of deploy/docs/backup.md, on loopback.

Continuous WAL archiving and a base backup of a primary of our own; progress reports written
through the API on both sides of a moment T; then a point-in-time restore into a fresh data
directory (the base backup, `restore_command` reading the archive, `recovery_target_time = T`).
The restored database holds every report acknowledged before T and none written after it, and
its audit hash chain verifies (what the monthly drill checks by hand with `rectify audit verify`).
"""

import asyncio
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from issues_api.audit.verify import verify_audit
from issues_api.main import create_app
from issues_api.schema import upgrade
from rectify_shared.db import make_engine, make_sessionmaker

from .conftest import app_settings, asyncpg_url, first_issue_id, in_thread, signed_in
from .servers import PG_BIN, PG_OS_USER, PgNode, as_pg_user, run

pytestmark = pytest.mark.ha


def _archive_dir(root: Path) -> Path:
    archive = root / "wal-archive"
    archive.mkdir()
    if os.geteuid() == 0:  # the server (run as postgres) writes there
        shutil.chown(archive, PG_OS_USER)
    return archive


async def _write_progress(client: Any, measure_id: int, label: str, n: int) -> list[str]:
    texts = []
    for i in range(n):
        body = f"{label}第{i + 1}次进展：已完成治理面积{i + 1}平方公里。"
        r = await client.post(f"/api/v1/measures/{measure_id}/progress", json={"text": body})
        assert r.status_code == 201, r.text
        texts.append(body)
    return texts


def _wait_archived(node: PgNode, seconds: float = 30) -> None:
    """Switch to a new WAL segment and wait until the finished one is in the archive."""
    [(segment,)] = node.query("SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        [(last,)] = node.query("SELECT last_archived_wal FROM pg_stat_archiver")
        if last is not None and str(last) >= str(segment):
            return
        time.sleep(0.1)
    raise TimeoutError(f"WAL segment {segment} was not archived")


def _wait_promoted(node: PgNode, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            [(in_recovery,)] = node.query("SELECT pg_is_in_recovery()")
            if not in_recovery:
                return
        except Exception:  # still starting up
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{node.name} did not finish recovery; see {node.logfile}")


async def test_a_point_in_time_restore_keeps_what_came_before_and_drops_what_came_after(pg_root, tmp_path, helpers):
    archive = _archive_dir(pg_root)
    primary = PgNode(pg_root, "primary")
    restored = PgNode(pg_root, "restored")
    try:
        primary.init_primary(archive_mode="on", archive_command=f"'cp %p {archive}/%f'")
        await in_thread(upgrade, asyncpg_url(primary.dsn()))
        base = pg_root / "base"
        run(as_pg_user([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                        "-D", str(base), "-X", "stream", "--checkpoint=fast"]))  # fmt: skip

        app = create_app(app_settings(tmp_path, asyncpg_url(primary.dsn())), run_relay=False)
        async with app.router.lifespan_context(app):
            round_id = await helpers.load_demo_into(app)
            client = await signed_in(app)
            issue_id = await first_issue_id(client, round_id)
            detail = (await client.get(f"/api/v1/issues/{issue_id}")).json()
            measure_id = detail["measures"][0]["id"]
            before = await _write_progress(client, measure_id, "目标时点前", 5)
            await asyncio.sleep(1.1)
            [(target,)] = await in_thread(primary.query, "SELECT now()::text")
            await asyncio.sleep(1.1)
            after = await _write_progress(client, measure_id, "目标时点后", 5)
            await client.aclose()
        await in_thread(_wait_archived, primary)
        primary.stop()

        # the drill: the base backup into a fresh directory, WAL from the archive up to T
        run(as_pg_user(["cp", "-a", str(base), str(restored.datadir)]))
        restored._settings({
            "restore_command": f"'cp {archive}/%f %p'",
            "recovery_target_time": f"'{target}'",
            "recovery_target_action": "'promote'",
            "archive_mode": "off",
        })  # fmt: skip
        run(as_pg_user(["touch", str(restored.datadir / "recovery.signal")]))
        restored.start()
        await in_thread(_wait_promoted, restored)

        rows = await in_thread(restored.query, "SELECT text FROM progress_report WHERE measure_id = %s", (measure_id,))
        kept = {str(r[0]) for r in rows}
        assert set(before) <= kept, "a report acknowledged before T is missing from the restore"
        assert not set(after) & kept, "a report written after T came back in the restore"

        engine = make_engine(asyncpg_url(restored.dsn()), pool_size=1)
        try:
            async with make_sessionmaker(engine, write=False)() as session:
                report = await verify_audit(session)
                assert report.ok, report.problems
                assert report.records_checked > 0
                # the audit trail ends where the data does: no record of the writes after T
                latest = (await session.execute(text("SELECT max(created_at) FROM audit_record"))).scalar()
                [(t,)] = await in_thread(restored.query, "SELECT %s::timestamptz", (target,))
                assert latest is not None and latest <= t
        finally:
            await engine.dispose()
    finally:
        restored.stop()
        primary.stop()
