"""Thin job entry points for the escalation scans; the work is in `escalation.scan`."""

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import and_, or_, select
from sqlmodel import col

from rectify_shared.jobs import RunScanRequest, WithdrawScan
from rectify_shared.models import ScanRequest
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from .escalation.rehearsal import withdraw_scan
from .escalation.scan import STALE_RUN, run_scan, run_scan_request

log = structlog.get_logger("notifier.scan")

#: a scan request this old was probably lost by Redis: the database is the record of what is owed
QUEUED_GRACE = timedelta(seconds=60)


async def daily_scan(ctx: dict[str, Any]) -> dict[str, int]:
    """The daily cron: scan deadlines and dispatch rounds as of today (China time)."""
    as_of = today()
    result = await run_scan(ctx["write_sessions"], as_of)
    log.info("daily_scan_done", as_of=as_of.isoformat(), created=result.created, resolved=result.resolved)
    return {"created": result.created, "resolved": result.resolved}


async def scan_requested(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """A scan asked for through the API (`POST /escalations/scan`)."""
    scan_id = RunScanRequest.model_validate(payload).scan_id
    await run_scan_request(ctx["write_sessions"], scan_id)
    return "done"


async def scan_withdraw_requested(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """The office withdraws a whole scan (`POST /escalations/scans/{id}/withdraw`)."""
    scan_id = WithdrawScan.model_validate(payload).scan_id
    count = await withdraw_scan(ctx["write_sessions"], scan_id)
    log.info("scan_withdrawn", scan_id=scan_id, withdrawn=count)
    return "done"


async def sweep_scan_requests(ctx: dict[str, Any]) -> int:
    """Every minute: run requests that waited too long (their queue message was lost) or whose
    worker died mid-run."""
    async with ctx["read_sessions"]() as session:
        ids = (
            (
                await session.execute(
                    select(col(ScanRequest.id)).where(
                        or_(
                            and_(
                                col(ScanRequest.state) == "queued",
                                col(ScanRequest.requested_at) < utcnow() - QUEUED_GRACE,
                            ),
                            and_(
                                col(ScanRequest.state) == "running", col(ScanRequest.started_at) < utcnow() - STALE_RUN
                            ),
                        )
                    )
                )
            )
            .scalars()
            .all()
        )
    for scan_id in ids:
        await run_scan_request(ctx["write_sessions"], scan_id)
    async with ctx["read_sessions"]() as session:  # withdrawals whose queue message was lost
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
