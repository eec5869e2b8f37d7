"""A PostgreSQL primary with a streaming replica (pg_basebackup -R, synchronous), on loopback.

* Report jobs read their snapshot from DATABASE_RO_URL: with the replica's replay paused, a
  report misses what the primary already has; once replay resumes, the next report has it.
* Failover: the primary crashes (`pg_ctl stop -m immediate`) and the replica is promoted (what
  Patroni does); the API, given both hosts with target_session_attrs=read-write, takes writes
  again within 10 s, and every write it acknowledged is on the new primary.
"""

import asyncio
import time
from contextlib import suppress
from typing import Any

import pytest
from sqlalchemy import select

from issues_api.main import create_app
from rectify_shared.models import ReportFile
from report_worker.jobs import render_report
from report_worker.worker import on_shutdown, on_startup

from .conftest import app_settings, asyncpg_url, first_issue_id, in_thread, signed_in
from .servers import DB

pytestmark = pytest.mark.ha

RECOVERY_SECONDS = 10.0


async def until(predicate: Any, changed: asyncio.Event, seconds: float) -> bool:
    """Wait (at most `seconds`) until `predicate()` holds, re-checking whenever `changed` is set."""
    deadline = time.monotonic() + seconds
    while not predicate():
        changed.clear()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        with suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)
    return True


async def rendered_markdown(app: Any, ctx: dict[str, Any], client: Any, round_id: int) -> str:
    r = await client.post("/api/v1/reports", json={"kind": "ledger", "round_id": round_id, "format": "md"})
    assert r.status_code == 202 and not r.json().get("reused"), r.text
    report_id = r.json()["id"]
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with app.state.rectify.read_sessions() as s:
        content = (await s.execute(select(ReportFile.content).where(ReportFile.report_id == report_id))).scalar_one()
    return bytes(content).decode("utf-8")


async def test_report_jobs_read_from_the_replica(pg_pair, tmp_path, helpers):
    primary, replica = pg_pair
    settings = app_settings(tmp_path, asyncpg_url(primary.dsn()), database_ro_url=asyncpg_url(replica.dsn()))
    app = create_app(settings, run_relay=False)
    async with app.router.lifespan_context(app):
        round_id = await helpers.load_demo_into(app)
        client = await signed_in(app)
        ctx: dict[str, Any] = {"settings": settings}
        await on_startup(ctx)
        try:
            issue_id = await first_issue_id(client, round_id)
            await in_thread(replica.wait_replayed, primary)
            await in_thread(replica.query, "SELECT pg_wal_replay_pause()")
            r = await client.post(f"/api/v1/issues/{issue_id}/measures", json={"text": "副本未回放的措施甲。"})
            assert r.status_code == 201, r.text
            stale = await rendered_markdown(app, ctx, client, round_id)
            assert "整改进展情况" in stale  # a real ledger, only without the new row
            assert "措施甲" not in stale

            await in_thread(replica.query, "SELECT pg_wal_replay_resume()")
            r = await client.post(f"/api/v1/issues/{issue_id}/measures", json={"text": "副本回放之后的措施乙。"})
            assert r.status_code == 201, r.text
            await in_thread(replica.wait_replayed, primary)
            fresh = await rendered_markdown(app, ctx, client, round_id)
            assert "措施甲" in fresh and "措施乙" in fresh
        finally:
            await on_shutdown(ctx)
            await client.aclose()


async def test_failover_to_the_promoted_replica_loses_no_acknowledged_write(pg_pair, tmp_path, helpers):
    primary, replica = pg_pair
    multi_host = f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{replica.port}/{DB}"
    settings = app_settings(tmp_path, asyncpg_url(multi_host) + "?target_session_attrs=read-write")
    app = create_app(settings, run_relay=False)
    acked: list[tuple[str, float]] = []
    failed: list[float] = []
    async with app.router.lifespan_context(app):
        round_id = await helpers.load_demo_into(app)
        client = await signed_in(app)
        issue_id = await first_issue_id(client, round_id)
        stop, attempted = asyncio.Event(), asyncio.Event()

        async def writer() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                text = f"故障切换确认写入第{n}条。"
                try:
                    r = await client.post(f"/api/v1/issues/{issue_id}/progress", json={"text": text})
                    ok = r.status_code == 201
                except Exception:  # the transport itself failed: not acknowledged
                    ok = False
                if ok:
                    acked.append((text, time.monotonic()))
                else:
                    failed.append(time.monotonic())
                attempted.set()
                await asyncio.sleep(0.02)

        task = asyncio.create_task(writer())
        try:
            await until(lambda: len(acked) >= 20, attempted, 60)
            killed_at = time.monotonic()
            # blocking calls on purpose (~0.1 s each): what Patroni does does not wait for our event loop
            primary.stop_immediate()
            stopped_at = time.monotonic()
            replica.promote()
            promoted_at = time.monotonic()
            await until(lambda: sum(t > promoted_at for _, t in acked) >= 10, attempted, 30)
            after = [t for _, t in acked if t > killed_at]
            assert after, f"no write acknowledged within 30 s of the promotion ({len(failed)} failed)"
        finally:
            stop.set()
            await task
            await client.aclose()

    recovered = min(after) - promoted_at
    print(  # the measured times, for the report (`make test-ha` runs with -s)
        f"\nfailover: the primary stopped in {stopped_at - killed_at:.2f} s, the promotion took "
        f"{promoted_at - stopped_at:.2f} s; first acknowledged write "
        f"{min(after) - killed_at:.2f} s after the kill, {recovered:.2f} s after the promotion; "
        f"{len(failed)} requests failed in between; {len(acked)} acknowledged"
    )
    assert recovered <= RECOVERY_SECONDS
    rows = await in_thread(replica.query, "SELECT text FROM progress_report WHERE text LIKE '故障切换确认写入%%'")
    on_new_primary = {r[0] for r in rows}
    lost = [t for t, _ in acked if t not in on_new_primary]
    assert lost == [], f"acknowledged but lost: {lost}"
