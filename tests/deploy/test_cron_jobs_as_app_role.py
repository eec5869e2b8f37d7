"""Every cron job of the workers runs once, now, as the app's login role with only the deploy's grants.

Kubernetes and systemd run the scheduler as the app's own login role, which owns no table. A cron
job is otherwise exercised only when a test happens to run across its minute: the nightly partition
upkeep (03:17 China time) failed with "permission denied" only in a CI run that crossed 19:17 UTC.
Here each job of the notifier's and the report-worker's WorkerSettings (`cron_jobs`, enumerated, so
a new one is covered without a change here) runs its coroutine once, whatever the hour, in the
worker's own context (its `on_startup`), against a database the deploy's way: the DBA's roles
(db_roles.py), `rectify migrate` as the owner with the app's DATABASE_URL (which grants the app's
role `rectify_app`), `rectify load-demo` as the app's role. Each must end without an error, log no
error, and do the work seeded for it: the scan escalates an overdue measure's problem, the sweeps
pick up a scan request, a report and a delivery whose queue messages were lost, the digest takes a
waiting delivery, the reconciler handles the demo's feed events that never arrived; the partition
upkeep, as a role that owns no table, leaves the months to the owner's job.
"""

import asyncio
import secrets
import signal
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import structlog
from arq import create_pool
from arq.worker import Worker

from rectify_shared.settings import Settings, load_settings
from rectify_shared.timezone import today

from .db_roles import deploy_roles

pytestmark = pytest.mark.postgres


@pytest.fixture
def deployed(pg_server_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The app's settings (its own login role) on a database migrated and loaded the deploy's way."""
    from issues_api.cli import main

    with deploy_roles(pg_server_url) as roles:
        env = {
            "DATABASE_URL": roles["app_url"],
            "DATABASE_RO_URL": roles["app_url"],
            "RECTIFY_MIGRATE_DATABASE_URL": roles["owner_url"],
            "RECTIFY_DB_APP_ROLE": "rectify_app",
            "REDIS_URL": redis_url,
            "RECTIFY_QUEUE_PREFIX": f"cron{uuid.uuid4().hex[:8]}",  # this Redis is shared with other tests
            "RECTIFY_DATA_DIR": str(tmp_path),
            "RECTIFY_RUN_PERIODIC": "1",  # the scheduler: its workers hold the cron jobs
            "RECTIFY_METRICS_PORT": "0",
            # what a real deployment must set (issues_api.auth.startup), as an operator does
            "RECTIFY_JWT_SECRET": secrets.token_urlsafe(48),
            "RECTIFY_AUDIT_KEY": secrets.token_urlsafe(48),
            "RECTIFY_ADMIN_PASSWORD": "Cron-admin-2026-" + secrets.token_hex(4),
            "RECTIFY_DEMO_PASSWORD": "Cron-demo-2026-" + secrets.token_hex(4),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("RECTIFY_DATABASE_URL", raising=False)
        assert main(["migrate"]) == 0
        assert main(["load-demo"]) == 0
        settings = load_settings()
        assert settings.migrate_database_url and roles["app"] in settings.effective_database_url
        yield settings


def _owner(settings: Settings) -> Any:
    url = str(settings.migrate_database_url)
    return psycopg2.connect(
        url.replace("postgresql+asyncpg://", "postgresql://").replace("postgresql://", "postgres://")
    )


def _seed(settings: Settings) -> dict[str, int]:
    """Work owed to the cron jobs: an open measure of a problem in progress made overdue (due three
    days ago); a scan request (a rehearsal) and a report whose queue messages were lost (queued an
    hour ago); the demo's feed events published five minutes ago and never received."""
    conn = _owner(settings)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT m.id, m.issue_id FROM measure m JOIN issue i ON i.id = m.issue_id"
            " WHERE i.status = 'in_progress' AND m.status NOT IN ('completed', 'waived') ORDER BY m.id LIMIT 1"
        )
        measure_id, issue_id = cur.fetchone()
        cur.execute("UPDATE measure SET deadline = %s WHERE id = %s", (today() - timedelta(days=3), measure_id))
        cur.execute(
            "INSERT INTO scan_request (as_of, state, requested_by, requested_at, attempts, dry_run)"
            " VALUES (%s, 'queued', 'test', now() - interval '1 hour', 0, true) RETURNING id",
            (today(),),
        )
        (scan_id,) = cur.fetchone()
        cur.execute(
            "INSERT INTO report_job (kind, format, round_id, org_path, state, attempts, requested_by, requested_at)"
            " SELECT 'ledger', 'xlsx', id, org_path, 'queued', 0, 'test', now() - interval '1 hour'"
            " FROM inspection_round ORDER BY id LIMIT 1 RETURNING id"
        )
        (report_id,) = cur.fetchone()
        cur.execute(
            "UPDATE outbox_event SET published_at = now() - interval '5 minutes'"
            " WHERE in_feed AND published_at IS NULL AND created_at > now() - interval '1 day'"
        )
        events = cur.rowcount
    conn.close()
    assert events > 0, "the demo's load wrote no feed events"
    return {"measure": measure_id, "issue": issue_id, "scan": scan_id, "report": report_id, "events": events}


async def _seed_deliveries(settings: Settings) -> dict[str, int]:
    """Deliveries owed to the sweeps: one whose worker died mid-send an hour ago; one waiting two
    days for a demo user's daily digest (its inbox)."""
    from sqlalchemy import insert, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from rectify_shared.ids import new_id
    from rectify_shared.models import Delivery
    from rectify_shared.models.types import utcnow

    engine = create_async_engine(str(settings.migrate_database_url).replace("postgresql://", "postgresql+asyncpg://"))
    now = utcnow()
    try:
        async with engine.begin() as conn:
            user_id = (await conn.execute(text("SELECT min(id) FROM user_account"))).scalar_one()
            rows = {}
            for state, channel, recipient, address, age in (
                ("sending", "email", f"user:{user_id}", "someone@example.com", timedelta(hours=1)),
                ("digest", "inbox", f"user:{user_id}", str(user_id), timedelta(days=2)),
            ):
                at = now - age
                rows[state] = new_id()
                await conn.execute(
                    insert(Delivery.__table__),  # type: ignore[attr-defined]
                    {
                        "id": rows[state],
                        "created_at": at,
                        "event_id": f"test-{rows[state]}",
                        "event_type": "escalation.created",
                        "event_month": at.strftime("%Y-%m"),
                        "channel": channel,
                        "recipient": recipient,
                        "address": address,
                        "subject": "督办",
                        "body": "测试",
                        "state": state,
                        "attempts": 1,
                        "next_attempt_at": at,
                        "idempotency_key": f"test-{rows[state]}",
                    },
                )
    finally:
        await engine.dispose()
    return rows


def _scheduler_workers(settings: Settings) -> list[Worker]:
    """The workers as the scheduler builds them: their WorkerSettings' cron jobs, nothing picked here."""
    from notifier.__main__ import build_worker as notifier_worker
    from report_worker.worker import build_worker as report_worker

    return [notifier_worker(settings), report_worker(settings)]


async def _run_every_cron_job(worker: Worker) -> dict[str, Any]:
    """Each cron job's coroutine once, in order, with the context the worker's `on_startup` makes
    (and arq's Redis pool, as arq gives it): {cron name: result}."""
    ctx: dict[str, Any] = dict(worker.ctx)
    ctx["redis"] = await create_pool(
        worker.redis_settings,
        job_serializer=worker.job_serializer,
        job_deserializer=worker.job_deserializer,
        default_queue_name=worker.queue_name,
    )
    results: dict[str, Any] = {}
    try:
        assert worker.on_startup is not None
        await worker.on_startup(ctx)
        try:
            for cron_job in worker.cron_jobs:
                run_ctx = {**ctx, "job_id": f"cron:{cron_job.name}:test", "job_try": 1}
                results[cron_job.name] = await cron_job.coroutine(run_ctx)
        finally:
            assert worker.on_shutdown is not None
            await worker.on_shutdown(ctx)
    finally:
        await ctx["redis"].aclose()
    return results


async def test_every_cron_job_runs_now_as_the_apps_login_role(deployed: Settings) -> None:
    settings = deployed
    seeded = _seed(settings)
    deliveries = await _seed_deliveries(settings)
    loop = asyncio.get_running_loop()
    workers = _scheduler_workers(settings)  # arq's Worker takes SIGINT/SIGTERM: given back below
    try:
        results: dict[str, Any] = {}
        with structlog.testing.capture_logs() as logs:
            for worker in workers:
                assert worker.cron_jobs, f"{type(worker).__name__} of {worker.queue_name}: no cron jobs"
                results.update(await _run_every_cron_job(worker))
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    names = {worker.queue_name: [cj.name for cj in worker.cron_jobs] for worker in workers}
    assert len(results) == sum(len(n) for n in names.values()), names
    bad = [e for e in logs if e.get("log_level") in ("error", "critical") or "permission denied" in str(e).lower()]
    assert not bad, bad

    def result(suffix: str) -> Any:
        (name,) = [n for n in results if n.endswith(f":{suffix}")]
        return results[name]

    # the scan escalates the seeded overdue measure's problem (and the demo's open work)
    scan = result("daily_scan")
    assert scan["created"] > 0, scan
    conn = _owner(settings)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM escalation WHERE issue_id = %s", (seeded["issue"],))
        assert cur.fetchone()[0] > 0, f"no escalation of problem {seeded['issue']} (measure {seeded['measure']})"
        cur.execute("SELECT count(*) FROM escalation")
        assert cur.fetchone()[0] >= scan["created"]
        # the sweep ran the scan request whose queue message was lost
        cur.execute("SELECT state, error FROM scan_request WHERE id = %s", (seeded["scan"],))
        assert cur.fetchone() == ("done", None)
        # the reconciler handled the lost events: a receipt each
        cur.execute("SELECT count(*) FROM event_receipt")
        receipts = cur.fetchone()[0]
    conn.close()
    assert result("sweep_scans") >= 1
    reconciled = result("reconcile_events")
    assert reconciled["failed"] == 0 and reconciled["handled"] > 0, reconciled
    assert receipts >= reconciled["handled"]
    # the digest took the waiting delivery; the delivery sweep released the one lost mid-send
    assert result("daily_digest") == {"digests": 1, "items": 1}, result("daily_digest")
    assert result("sweep_deliveries")["released"] == 1, result("sweep_deliveries")
    assert result("sweep_deliveries")["enqueued"] >= 1, result("sweep_deliveries")
    conn = _owner(settings)
    with conn.cursor() as cur:
        cur.execute("SELECT id, state FROM delivery WHERE id IN %s", (tuple(deliveries.values()),))
        assert dict(cur.fetchall()) == {deliveries["digest"]: "digested", deliveries["sending"]: "pending"}
    conn.close()
    # the report sweep enqueued the report whose queue message was lost
    assert result("sweep_reports") >= 1
    # the app's role owns no table: the owner's job (`rectify partitions`) makes the months
    assert result("partitions") == []
