"""Thin job entry points for the escalation scans; the work is in `escalation.scan`."""

from typing import Any

import structlog
from sqlalchemy import select
from sqlmodel import col

from rectify_shared.job_context import JobContext, job, job_session
from rectify_shared.jobs import RunScanRequest, WithdrawScan
from rectify_shared.models import ScanRequest
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from .escalation.rehearsal import withdraw_scan
from .escalation.scan import run_scan
from .escalation.scan_requests import QUEUED_GRACE, ROWS, run_scan_request

log = structlog.get_logger("notifier.scan")

SWEEP_BATCH = 500


@job
async def daily_scan(ctx: JobContext) -> dict[str, int]:
    """The daily cron: scan deadlines and dispatch rounds as of today (China time)."""
    as_of = today()
    result = await run_scan(ctx["write_sessions"], as_of)
    log.info("daily_scan_done", as_of=as_of.isoformat(), created=result.created, resolved=result.resolved)
    return {"created": result.created, "resolved": result.resolved}


@job
async def scan_requested(ctx: JobContext, payload: dict[str, Any]) -> str:
    """A scan asked for through the API (`POST /escalations/scan`)."""
    scan_id = RunScanRequest.model_validate(payload).scan_id
    await run_scan_request(ctx["write_sessions"], scan_id)
    return "done"


@job
async def scan_withdraw_requested(ctx: JobContext, payload: dict[str, Any]) -> str:
    """The office withdraws a whole scan (`POST /escalations/scans/{id}/withdraw`)."""
    scan_id = WithdrawScan.model_validate(payload).scan_id
    count = await withdraw_scan(ctx["write_sessions"], scan_id)
    log.info("scan_withdrawn", scan_id=scan_id, withdrawn=count)
    return "done"


@job
async def sweep_scan_requests(ctx: JobContext) -> int:
    """Every minute: run requests that waited too long (their queue message was lost) or whose
    worker died mid-run; fail those whose runs kept dying."""
    now = utcnow()
    async with job_session(ctx) as session:
        gave_up = await ROWS.give_up(session, now)
        ids = [scan_id for scan_id, _ in await ROWS.owed_rows(session, now, SWEEP_BATCH)]
        await session.commit()
    if gave_up:
        log.warning("scan_requests_given_up", count=gave_up)
    for scan_id in ids:
        await run_scan_request(ctx["write_sessions"], scan_id)
    async with job_session(ctx, write=False) as session:  # withdrawals whose queue message was lost
        owed = (
            (
                await session.execute(
                    select(col(ScanRequest.id)).where(
                        col(ScanRequest.withdraw_state) == "requested",
                        col(ScanRequest.withdrawn_at) < utcnow() - QUEUED_GRACE,
                    )
                )
            )
            .scalars()
            .all()
        )
    for scan_id in owed:
        await withdraw_scan(ctx["write_sessions"], scan_id)
    return len(ids) + len(owed)
