"""The fault suite's table of queue jobs (no tests here): for every arq function a worker
registers, how to give it work and what must hold once it has run — after a duplicate delivery
and after the worker died in the middle of it.

`test_job_faults.py` fails when a worker registers a job that is not in `SCENARIOS`: a new job
gets an entry here (work to do, the invariant) before it ships.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from rectify_shared.models import (
    Delivery,
    Escalation,
    EventReceipt,
    InboxMessage,
    OutboxEvent,
    ReportFile,
    ReportJob,
    ScanRequest,
    metadata,
)
from rectify_shared.models.types import utcnow

Ctx = dict[str, Any]


@dataclass
class FakeChannel:
    """A channel that accepts everything and records each idempotency key it was handed."""

    name: str
    sent: list[str] = field(default_factory=list)

    async def send(self, message: Any) -> Any:
        from notifier.delivery.channels.base import SendResult

        self.sent.append(message.idempotency_key)
        return SendResult(provider_message_id=f"fake-{message.idempotency_key}")

    async def aclose(self) -> None:
        pass


def job_key(name: str, prefix: str) -> str:
    """A registered function's name without the deployment's queue prefix (cron names carry it)."""
    return re.sub(r"^cron:", "", name.replace(f"{prefix}:", "")).strip(":")


async def census(ctx: Ctx) -> dict[str, int]:
    """Rows per table: a duplicate run that changes any count had a second effect."""
    async with ctx["write_sessions"]() as s:
        return {
            name: (await s.execute(select(func.count()).select_from(table))).scalar_one()
            for name, table in metadata.tables.items()
        }


async def _count(ctx: Ctx, stmt: Any) -> int:
    async with ctx["write_sessions"]() as s:
        return int((await s.execute(stmt)).scalar_one())


async def _escalate(api: Any) -> dict[str, Any]:
    issue = (await api.get("/api/v1/issues?limit=1")).json()["items"][0]
    r = await api.post(
        "/api/v1/escalations", json={"level": "warning", "issue_id": issue["id"], "reason": "故障演练：进度滞后"}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _issued_event(ctx: Ctx, api: Any) -> dict[str, Any]:
    from notifier.reconcile import envelope

    escalation = await _escalate(api)
    async with ctx["write_sessions"]() as s:
        row = (
            await s.execute(
                select(OutboxEvent).where(
                    OutboxEvent.event_type == "escalation.issued", OutboxEvent.aggregate_id == escalation["id"]
                )
            )
        ).scalar_one()
    return envelope(row).model_dump(mode="json")


async def _event_handled(ctx: Ctx, event_id: str) -> None:
    receipts = await _count(ctx, select(func.count()).where(EventReceipt.event_id == event_id))
    hooks = await _count(ctx, select(func.count()).where(Delivery.event_id == event_id, Delivery.channel == "webhook"))
    assert (receipts, hooks) == (1, 1), f"event {event_id}: {receipts} receipts, {hooks} webhook deliveries"
    # inbox rows carry the logical event key ("escalation:1:issued"), their messages the event id
    inbox_rows = await _count(ctx, select(func.count()).where(Delivery.channel == "inbox"))
    inbox = await _count(ctx, select(func.count()).select_from(InboxMessage))
    assert inbox == inbox_rows > 0, f"{inbox} inbox messages for {inbox_rows} inbox deliveries"


async def _queued_report(ctx: Ctx, api: Any, age: timedelta = timedelta(0)) -> int:
    round_id = (await api.get("/api/v1/rounds")).json()["items"][0]["id"]
    r = await api.post("/api/v1/reports", json={"kind": "ledger", "format": "md", "round_id": round_id})
    assert r.status_code == 202, r.text
    report_id = int(r.json()["id"])
    async with ctx["write_sessions"]() as s:
        await s.execute(update(ReportJob).where(ReportJob.id == report_id).values(requested_at=utcnow() - age))
        await s.commit()
    return report_id


async def _queued_jobs(ctx: Ctx, queue: str) -> int:
    from rectify_shared.jobs import queue_name

    return int(await ctx["redis"].zcard(queue_name(ctx["settings"].queue_prefix, queue)))


@dataclass
class Scenario:
    #: (ctx, signed-in office_admin client) -> the job's payload (None: a cron tick without one)
    prepare: Callable[[Ctx, Any], Awaitable[Any]]
    #: what must hold once the job has run to its end, whatever died before
    check: Callable[[Ctx, Any], Awaitable[None]]
    #: after a kill: end the dead run's lease, as its timeout would (the clock moved)
    recover: Callable[[Ctx], Awaitable[None]] | None = None
    #: False for a job with nothing to do on SQLite (no statement there to kill it at)
    sql_on_sqlite: bool = True


async def _no_payload(ctx: Ctx, api: Any) -> None:
    return None


# ---------------------------------------------------------------- per job


async def _check_event(ctx: Ctx, payload: Any) -> None:
    await _event_handled(ctx, payload["id"])


async def _prepare_scan(ctx: Ctx, api: Any, age: timedelta = timedelta(0)) -> dict[str, int]:
    r = await api.post("/api/v1/escalations/scan", json={"as_of": "2024-12-16"})
    assert r.status_code == 202, r.text
    scan_id = int(r.json()["id"])
    async with ctx["write_sessions"]() as s:
        await s.execute(update(ScanRequest).where(ScanRequest.id == scan_id).values(requested_at=utcnow() - age))
        await s.commit()
    return {"scan_id": scan_id}


async def _check_scan(ctx: Ctx, payload: Any) -> None:
    done = await _count(ctx, select(func.count()).where(ScanRequest.state == "done"))
    assert done == 1, "the scan request was not finished"


async def _age_scans(ctx: Ctx) -> None:
    from notifier.escalation.scan_requests import STALE_RUN

    async with ctx["write_sessions"]() as s:
        stale = utcnow() - STALE_RUN - timedelta(seconds=1)
        await s.execute(update(ScanRequest).where(ScanRequest.state == "running").values(started_at=stale))
        await s.commit()


async def _prepare_send(ctx: Ctx, api: Any) -> dict[str, int]:
    from notifier.events import handle_event

    event = await _issued_event(ctx, api)
    await handle_event(ctx, event)
    async with ctx["write_sessions"]() as s:
        delivery_id = (
            await s.execute(select(Delivery.id).where(Delivery.event_id == event["id"], Delivery.channel == "webhook"))
        ).scalar_one()
    return {"delivery_id": delivery_id}


async def _check_send(ctx: Ctx, payload: Any) -> None:
    async with ctx["write_sessions"]() as s:
        row = (await s.execute(select(Delivery).where(Delivery.id == payload["delivery_id"]))).scalar_one()
    assert row is not None and row.state == "sent", f"delivery not sent: {row and row.state}"
    sent = ctx["channels"]["webhook"].sent
    assert row.idempotency_key in sent and set(sent) == {row.idempotency_key}, "a resend must carry the same key"


async def _release_sends(ctx: Ctx) -> None:
    """The dead sender's claim outlives its lease (the clock moved); the sweeper releases it."""
    from notifier.delivery.engine import sweep

    async with ctx["write_sessions"]() as s:
        expired = utcnow() - timedelta(seconds=1)
        await s.execute(update(Delivery).where(Delivery.state == "sending").values(next_attempt_at=expired))
        await s.commit()
    await sweep(ctx["write_sessions"], ctx["redis"], ctx["settings"].queue_prefix)


async def _lose_queues(ctx: Ctx) -> None:
    """Redis restarted empty: the deployment's queues and job keys are gone."""
    prefix = ctx["settings"].queue_prefix
    keys = [k async for k in ctx["redis"].scan_iter(match=f"*{prefix}*", count=1000)]
    if keys:
        await ctx["redis"].delete(*keys)


async def _prepare_due_delivery(ctx: Ctx, api: Any) -> None:
    await _prepare_send(ctx, api)
    await _lose_queues(ctx)


async def _check_swept(ctx: Ctx, payload: Any) -> None:
    from rectify_shared.jobs import NOTIFIER_QUEUE

    due = await _count(ctx, select(func.count()).where(Delivery.state == "pending", Delivery.channel != "inbox"))
    assert due > 0 and await _queued_jobs(ctx, NOTIFIER_QUEUE) == due, "every due delivery queued exactly once"


async def _check_nothing_more(ctx: Ctx, payload: Any) -> None:
    """The daily digest: the demo has no digest subscribers, so only "a repeat changes nothing" holds."""


async def _count_escalations(ctx: Ctx, api: Any) -> dict[str, int]:
    return {"before": await _count(ctx, select(func.count()).select_from(Escalation))}


async def _check_escalated(ctx: Ctx, payload: Any) -> None:
    """Today's scan of the demo ledger (its deadlines are past) escalates something."""
    assert await _count(ctx, select(func.count()).select_from(Escalation)) > payload["before"]


async def _prepare_lost_event(ctx: Ctx, api: Any) -> dict[str, Any]:
    from notifier.reconcile import GRACE

    event = await _issued_event(ctx, api)
    async with ctx["write_sessions"]() as s:  # published long ago, its job lost with Redis
        long_ago = utcnow() - GRACE - timedelta(seconds=5)
        await s.execute(update(OutboxEvent).where(OutboxEvent.id == int(event["id"])).values(published_at=long_ago))
        await s.commit()
    return event


async def _prepare_recent_lost_event(ctx: Ctx, api: Any) -> dict[str, Any]:
    event = await _issued_event(ctx, api)
    async with ctx["write_sessions"]() as s:  # published a moment ago, then Redis restarted empty
        await s.execute(update(OutboxEvent).where(OutboxEvent.id == int(event["id"])).values(published_at=utcnow()))
        await s.commit()
    await _lose_queues(ctx)
    return event


async def _prepare_report(ctx: Ctx, api: Any) -> dict[str, int]:
    return {"report_id": await _queued_report(ctx, api)}


async def _check_report(ctx: Ctx, payload: Any) -> None:
    async with ctx["write_sessions"]() as s:
        job = await s.get(ReportJob, payload["report_id"])
    files = await _count(ctx, select(func.count()).where(ReportFile.report_id == payload["report_id"]))
    assert job is not None and job.state == "done" and files == 1, f"report {job and job.state}, {files} files"


async def _age_reports(ctx: Ctx) -> None:
    from report_worker.jobs import STALE_AFTER

    async with ctx["write_sessions"]() as s:
        stale = utcnow() - STALE_AFTER - timedelta(seconds=1)
        await s.execute(update(ReportJob).where(ReportJob.state == "running").values(started_at=stale))
        await s.commit()


async def _prepare_lost_report(ctx: Ctx, api: Any) -> None:
    await _queued_report(ctx, api, age=timedelta(minutes=5))


async def _check_report_swept(ctx: Ctx, payload: Any) -> None:
    from rectify_shared.jobs import REPORT_WORKER_QUEUE

    assert await _queued_jobs(ctx, REPORT_WORKER_QUEUE) == 1


async def _prepare_lost_scan(ctx: Ctx, api: Any) -> None:
    await _prepare_scan(ctx, api, age=timedelta(minutes=5))


async def _check_partitions(ctx: Ctx, payload: Any) -> None:
    """The partition upkeep (PostgreSQL; a no-op on SQLite): every partitioned table has last month
    through the months-ahead setting, and nothing waits in DEFAULT."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from rectify_shared.partitions import (
        PARTITIONED_TABLES,
        add_months,
        month_start,
        partition_name,
        rows_in_default,
    )

    async with ctx["write_sessions"]() as s:
        if s.get_bind().dialect.name != "postgresql":
            return
        conn = await s.connection()
        children = set((await conn.execute(text("SELECT inhrelid::regclass::text FROM pg_inherits"))).scalars())
        now = month_start(datetime.now(UTC))
        ahead = ctx["settings"].partition_months_ahead
        for table in PARTITIONED_TABLES:
            missing = [m for m in (add_months(now, n) for n in range(-1, ahead + 1))
                       if partition_name(table, m) not in children]  # fmt: skip
            assert not missing, (table, missing)
        assert await rows_in_default(conn) == []


async def _prepare_scan_withdrawal(ctx: Ctx, api: Any) -> dict[str, int]:
    """A scan that wrote letters, then the office's withdrawal of it (the API records the request)."""
    from notifier.escalation.scan_requests import run_scan_request

    scan = await _prepare_scan(ctx, api)
    await run_scan_request(ctx["write_sessions"], scan["scan_id"])
    r = await api.post(f"/api/v1/escalations/scans/{scan['scan_id']}/withdraw", json={"reason": "扫描日期有误"})
    assert r.status_code == 202, r.text
    return scan


async def _check_scan_withdrawn(ctx: Ctx, payload: Any) -> None:
    scan_id = payload["scan_id"]
    finished = select(func.count()).where(ScanRequest.id == scan_id, ScanRequest.withdraw_state == "done")
    assert await _count(ctx, finished) == 1, "the withdrawal was not finished"
    still_open = select(func.count()).where(Escalation.scan_id == scan_id, Escalation.state != "withdrawn")
    assert await _count(ctx, still_open) == 0, "a letter of the withdrawn scan is still open"


#: every job a worker registers (name without the queue prefix) -> its fault scenario
SCENARIOS: dict[str, Scenario] = {
    "handle_event": Scenario(_issued_event, _check_event),
    "run_scan_request": Scenario(_prepare_scan, _check_scan, _age_scans),
    "withdraw_scan": Scenario(_prepare_scan_withdrawal, _check_scan_withdrawn),
    "send_delivery": Scenario(_prepare_send, _check_send, _release_sends),
    "daily_scan": Scenario(_count_escalations, _check_escalated),
    "daily_digest": Scenario(_no_payload, _check_nothing_more),
    "sweep_scans": Scenario(_prepare_lost_scan, _check_scan, _age_scans),
    "sweep_deliveries": Scenario(_prepare_due_delivery, _check_swept, _release_sends),
    "reconcile_events": Scenario(_prepare_lost_event, _check_event),
    "watch_redis": Scenario(_prepare_recent_lost_event, _check_event),
    "render_report": Scenario(_prepare_report, _check_report, _age_reports),
    "sweep_reports": Scenario(_prepare_lost_report, _check_report_swept),
    "partitions": Scenario(_no_payload, _check_partitions, sql_on_sqlite=False),
}
