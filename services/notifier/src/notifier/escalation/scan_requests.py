"""Scan requests asked for through the API (`POST /escalations/scan`): the row is the record of
what is owed, kept as every job row is (`rectify_shared.job_rows`): one claimant wins, a claim
bumps `attempts`, which fences the outcome, and a run whose worker died is claimed again once
stale (the scan is idempotent), at most `MAX_ATTEMPTS` times."""

from datetime import timedelta

import structlog
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.job_rows import DONE, FAILED, JobRows
from rectify_shared.models import metadata
from rectify_shared.models.types import utcnow

from . import scan as scans
from .rehearsal import climbing_rules, dry_run_report
from .scan import ScanResult, policy_groups

log = structlog.get_logger("notifier.escalation")

SR: Table = metadata.tables["scan_request"]
#: a scan still "running" after this long lost its worker
STALE_RUN = timedelta(minutes=10)
#: a scan request this old was probably lost by Redis: the database is the record of what is owed
QUEUED_GRACE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
ROWS = JobRows(SR, stale_after=STALE_RUN, queued_grace=QUEUED_GRACE, max_attempts=MAX_ATTEMPTS)


async def run_scan_request(sessions: async_sessionmaker[AsyncSession], request_id: int) -> ScanResult | None:
    """Claim a queued request (one claimant wins), scan its day, record the outcome with the scan's
    own commit. None when the request was not queued (already run, running elsewhere, or unknown),
    or when its run was superseded (its scan is rolled back)."""
    async with sessions() as session:
        held = await ROWS.claim(session, request_id, utcnow(), "as_of", "dry_run")
        await session.commit()
    if held is None or held.row is None:
        log.info("scan_request_not_queued", request_id=request_id)
        return None
    _, as_of, dry_run = held.row
    try:
        if dry_run:
            async with sessions() as session:
                result = await scans.scan(session, as_of)
                climbing = climbing_rules([p for p, _ in await policy_groups(session)])
                assert result.at is not None
                report = await dry_run_report(session, result.at, climbing)
                await session.rollback()
            async with sessions() as session:
                kept = await ROWS.finish(session, held, utcnow(), DONE, created=0, resolved=0, report=report)
                await session.commit()
            counts = {k: report[k] for k in ("created", "climbed", "resolved")}
            log.info("escalation_dry_run", as_of=as_of.isoformat(), kept=kept, **counts)
            return ScanResult(0, 0, result.at) if kept else None
        async with sessions() as session:
            result = await scans.scan(session, as_of, scan_id=request_id)
            done = dict(created=result.created, resolved=result.resolved)
            if not await ROWS.finish(session, held, utcnow(), DONE, **done):
                await session.rollback()  # a later claim owns the request now: its scan counts
                log.warning("scan_request_superseded", request_id=request_id, attempts=held.attempts)
                return None
            await session.commit()
    except Exception as exc:
        log.exception("scan_request_failed", request_id=request_id)
        async with sessions() as session:
            await ROWS.finish(session, held, utcnow(), FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
            await session.commit()
        return None
    return result
