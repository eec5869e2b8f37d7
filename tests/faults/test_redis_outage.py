"""Redis stopped (`SHUTDOWN NOSAVE`) while the ledger is being written.

The issues-api (in process, with its outbox relay), the notifier and the report-worker (processes)
run against a private `redis-server` on a free port (the shared one is never touched). A writer
makes escalations without a pause, each logged with its answer; Redis is shut down without saving,
the writing goes on for the outage, and Redis comes back empty on the same port. Then:

* no write got a 5xx (or no answer): the outbox keeps the events while Redis is away;
* every message the acknowledged escalations owe (email, SMS, inbox, webhook) is sent and received
  within 60 s of Redis' return, and a report requested during the outage is rendered;
* the workers are still the same processes (that ran the jobs made during the outage).

The measured recovery time (Redis back → the last owed message received) goes to
tests/faults/results/redis_outage.json. Short in `make test` (RECTIFY_FAULT_SHORT_OUTAGE_SECONDS,
default 4 s); 30 s under `make test-faults` (RECTIFY_FAULT_OUTAGE_SECONDS).
"""

import asyncio
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ..fault_servers import FlakySmsGateway, RedisServer, SmtpRecorder, WebhookEndpoint, http_server, smtp_server
from .outage import Worker, Writer, owed, record_result

SHORT_OUTAGE = float(os.environ.get("RECTIFY_FAULT_SHORT_OUTAGE_SECONDS", "4"))
LONG_OUTAGE = float(os.environ.get("RECTIFY_FAULT_OUTAGE_SECONDS", "30"))
DELIVERY_BOUND = 60.0  # seconds after Redis is back
WORKER_START_BOUND = 120.0  # seconds from a worker's spawn to its first poll (a loaded CI machine)
SECRET = "outage-gateway-secret"


def worker_env(db_url: str, redis_url: str, prefix: str, data_dir: Path, sms_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url, "REDIS_URL": redis_url, "RECTIFY_QUEUE_PREFIX": prefix,
        "RECTIFY_DATA_DIR": str(data_dir), "RECTIFY_LOG_JSON": "true", "RECTIFY_LOG_LEVEL": "INFO",
        "RECTIFY_SMTP_HOST": "127.0.0.1", "RECTIFY_SMTP_PORT": str(port), "RECTIFY_SMTP_TIMEOUT": "5",
        "RECTIFY_SMS_PROVIDER": "generic", "RECTIFY_SMS_URL": f"{sms_url}/send",
        "RECTIFY_SMS_ACCESS_KEY_SECRET": SECRET, "RECTIFY_SMS_QUIET_HOURS": "", "RECTIFY_WEBHOOK_TIMEOUT": "5",
    }  # fmt: skip


async def settled(sessions: Any, expected: dict[str, int], receivers: dict[str, Any]) -> dict[str, Any]:
    """Empty when every owed message is sent and received; else what is still missing."""
    from notifier.delivery.channels.email import message_id
    from rectify_shared.models import Delivery

    async with sessions() as s:
        rows = (
            await s.execute(
                select(Delivery.id, Delivery.channel, Delivery.state, Delivery.idempotency_key, Delivery.attempts,
                       Delivery.next_attempt_at, Delivery.last_error)
            )
        ).all()  # fmt: skip
    per_channel = Counter(r.channel for r in rows)
    open_rows = Counter(r.state for r in rows if r.state != "sent")
    missing = {}
    for channel, receiver in receivers.items():
        keys = {message_id(r.idempotency_key) if channel == "email" else r.idempotency_key for r in rows
                if r.channel == channel}  # fmt: skip
        if lost := keys - receiver.distinct():
            missing[channel] = len(lost)
    status = {"rows": dict(per_channel), "expected": expected, "not_sent": dict(open_rows), "not_received": missing}
    if open_rows:  # which, and how far each got: enough to tell a slow drain from a stuck row
        status["open"] = [(r.id, r.channel, r.state, r.attempts, str(r.next_attempt_at), r.last_error)
                          for r in rows if r.state != "sent"][:5]  # fmt: skip
    return {} if dict(per_channel) == expected and not open_rows and not missing else status


async def outage_run(db_url: str, tmp_path: Path, helpers: Any, outage: float) -> None:
    from issues_api.main import create_app
    from rectify_shared.settings import Settings

    try:
        redis = RedisServer(tmp_path)
    except FileNotFoundError as exc:
        pytest.skip(f"the Redis outage needs its own redis-server: {exc}")
    redis.start()
    prefix = f"rectify-redis-outage-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=db_url, redis_url=redis.url, data_dir=tmp_path, queue_prefix=prefix, rate_limit="",
        log_level="WARNING",
    )  # fmt: skip
    gateway = FlakySmsGateway(SECRET, fail_rate=0.0, slow_rate=0.0, slow_seconds=0.0, seed=1)
    hooks, smtp = WebhookEndpoint(), SmtpRecorder()
    workers: list[Worker] = []
    try:
        with http_server(gateway) as sms_url, http_server(hooks) as hook_url, smtp_server(smtp) as smtp_port:
            env = worker_env(db_url, redis.url, prefix, tmp_path, sms_url, smtp_port)
            workers = [Worker(m, env, tmp_path / f"{m}.log") for m in ("notifier", "report_worker")]
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                sessions = app.state.rectify.write_sessions
                round_id = await helpers.load_demo_into(app)
                client = await helpers.login(app, "admin", helpers.ADMIN_PASSWORD)
                try:
                    r = await client.post(
                        "/api/v1/webhooks", json={"url": f"{hook_url}/hook", "event_types": ["escalation.issued"]}
                    )
                    assert r.status_code == 201, r.text
                    hooks.secret = r.json()["secret"]
                    issue_ids = [i["id"] for i in (await client.get("/api/v1/issues?limit=100")).json()["items"]]
                    for w in workers:
                        w.start()
                    for w in workers:
                        await w.polling(tmp_path / "heartbeat", WORKER_START_BOUND)
                    pids = [w.proc.pid for w in workers if w.proc]
                    writer = Writer(client, issue_ids)
                    writing = asyncio.create_task(writer.run())
                    await asyncio.sleep(2.0)

                    redis.shutdown_nosave()
                    down_at = time.monotonic()
                    await asyncio.sleep(outage / 2)
                    report = await client.post(
                        "/api/v1/reports", json={"kind": "ledger", "format": "md", "round_id": round_id}
                    )
                    assert report.status_code == 202, report.text
                    await asyncio.sleep(outage / 2)
                    redis.start()
                    back_at = time.monotonic()
                    await asyncio.sleep(2.0)
                    writer.stop.set()
                    await writing

                    assert not writer.server_errors(), f"write path failed: {writer.server_errors()[:5]}"
                    escalations = writer.acknowledged()
                    during = [w for w in writer.writes if down_at <= w.at < back_at]
                    assert len(escalations) == len(writer.writes) and during, "writes went on during the outage"
                    expected = await owed(sessions, escalations)
                    receivers = {"sms": gateway.received, "email": smtp.received, "webhook": hooks.received}
                    report_id = report.json()["id"]
                    missing: dict[str, Any] = {"report": "queued"}
                    while time.monotonic() - back_at < DELIVERY_BOUND and missing:
                        await asyncio.sleep(0.5)
                        missing = await settled(sessions, expected, receivers)
                        state = (await client.get(f"/api/v1/reports/{report_id}")).json()["status"]
                        if state != "done":
                            missing["report"] = state
                    recovered = time.monotonic() - back_at
                    alive = [w.alive() and w.proc.pid == pid for w, pid in zip(workers, pids, strict=True) if w.proc]
                finally:
                    await client.aclose()
                from rectify_shared.models import InboxMessage

                async with sessions() as s:
                    inbox = (await s.execute(select(func.count()).select_from(InboxMessage))).scalar_one()
    finally:
        for w in workers:
            w.stop()
        redis.stop()

    assert not missing, f"owed messages not delivered {DELIVERY_BOUND:.0f}s after Redis came back: {missing}"
    assert inbox == expected.get("inbox", 0)
    assert all(alive), f"a worker died during the outage (alive: {alive})"
    saw = [w.module for w in workers if "worker_redis_unavailable" in w.text()]
    assert len(saw) == len(workers), f"the outage must hit running workers; only {saw} met it"
    slowest = max(w.seconds for w in writer.writes)
    record_result(
        "redis_outage",
        outage > SHORT_OUTAGE,
        {
            "database": db_url.split(":", 1)[0], "outage_seconds": outage, "writes": len(writer.writes),
            "writes_during_outage": len(during), "slowest_write_seconds": round(slowest, 3),
            "messages_owed": sum(expected.values()), "recovery_seconds": round(recovered, 2),
            "bound_seconds": DELIVERY_BOUND,
            "workers_logged_redis_unavailable": saw,
        },
    )  # fmt: skip


async def test_redis_outage_short(db_url, tmp_path, helpers):
    await outage_run(db_url, tmp_path, helpers, SHORT_OUTAGE)


@pytest.mark.faults
async def test_redis_outage_long(db_url, tmp_path, helpers):
    await outage_run(db_url, tmp_path, helpers, LONG_OUTAGE)
