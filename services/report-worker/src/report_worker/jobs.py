"""Job entry points: render a requested report, and sweep for reports Redis lost.

The `report_job` row is the record of what is owed; a queue message only says "look at it". The
claim (one conditional UPDATE, attempts-fenced), the finishing write and the sweep of what is owed
are `rectify_shared.job_rows`' (the notifier's scan requests keep their rows the same way).
"""

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import queue
from rectify_shared.db_fast import dialect_of
from rectify_shared.enums import ReportFormat, ReportState
from rectify_shared.events import EventType, record_event
from rectify_shared.events.ledger import ReportDone
from rectify_shared.job_context import JobContext, job, job_session
from rectify_shared.job_rows import Claim, JobRows
from rectify_shared.jobs import RENDER_REPORT, REPORT_WORKER_QUEUE, RenderReport
from rectify_shared.models import ReportFile, ReportJob
from rectify_shared.models.types import utcnow

from . import kinds
from .text_hygiene import clean_strings

log = structlog.get_logger("report_worker.jobs")

#: a run this old is presumed dead (its worker crashed); it is longer than arq's job timeout
STALE_AFTER = timedelta(minutes=10)
#: a queued job this old was probably lost by Redis
QUEUED_GRACE = timedelta(seconds=60)
#: runs that kept dying (a report that crashes its worker) are failed instead of retried forever
MAX_ATTEMPTS = 5
SWEEP_BATCH = 500
ERROR_MAX_CHARS = 500

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    format: str
    round_id: int
    as_of: date | None
    org_path: str
    attempts: int
    #: a unit's report covers its own org only (the requester's scope), not the orgs under it
    scope_exact: bool = False
    #: the request's parameters, e.g. {"dispatch_round_id": 3} or {"escalation_id": 7}
    params: dict[str, Any] = field(default_factory=dict)


@job
async def render_report(ctx: JobContext, payload: dict[str, Any]) -> str:
    report_id = RenderReport.model_validate(payload).report_id
    job = await claim(ctx["write_sessions"], report_id)
    if job is None:
        log.info("report_not_claimed", report_id=report_id)
        return "skipped"
    try:
        kind = kinds.get(job.kind)
        fmt = ReportFormat(job.format)
        if fmt not in kind.formats:
            raise ValueError(f"a {job.kind} report is not rendered as {fmt}")
        async with job_session(ctx, write=False) as session:
            if dialect_of(session).name == "postgresql":
                # one snapshot for all of the report's queries (SQLite transactions already are)
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            snapshot = await kind.load(session, job)
        if fmt != ReportFormat.xlsx:  # workbooks clean each cell (render/xlsx_text), the hot path
            snapshot = await asyncio.to_thread(clean_strings, snapshot)
        # rendering is CPU-bound: keep the event loop (and arq's health checks) responsive
        content = await asyncio.to_thread(kind.render, snapshot, fmt)
        name = kind.file_name(snapshot, fmt)
        finished = await complete(ctx["write_sessions"], job, content, name)
    except Exception as exc:
        log.error("report_failed", report_id=report_id, attempts=job.attempts, error=short_error(exc), exc_info=True)
        await _fail_quietly(ctx["write_sessions"], job, short_error(exc))
        return "failed"
    if not finished:
        log.warning("report_superseded", report_id=report_id, attempts=job.attempts)
        return "superseded"
    log.info("report_done", report_id=report_id, format=job.format, size_bytes=len(content), attempts=job.attempts)
    return "done"


#: the report rows' claim, fence and sweep (rectify_shared.job_rows, shared with the scan requests)
ROWS = JobRows(
    ReportJob.__table__,  # type: ignore[attr-defined]
    stale_after=STALE_AFTER,
    queued_grace=QUEUED_GRACE,
    max_attempts=MAX_ATTEMPTS,
)
_COLUMNS = ("kind", "format", "round_id", "as_of", "org_path", "params")


async def claim(sessions: Sessions, report_id: int) -> ClaimedJob | None:
    """Take the job if nobody else holds it; None if it is finished or being rendered."""
    async with sessions() as session:
        held = await ROWS.claim(session, report_id, utcnow(), *_COLUMNS)
        await session.commit()
    if held is None:
        return None
    assert held.row is not None
    _, kind, fmt, round_id, as_of, org_path, params = held.row
    exact = bool((params or {}).get("scope_exact"))
    return ClaimedJob(report_id, kind, fmt, round_id, as_of, org_path, held.attempts, exact, dict(params or {}))


def _held(job: ClaimedJob) -> Claim:
    return Claim(job.id, job.attempts)


async def complete(sessions: Sessions, job: ClaimedJob, content: bytes, file_name: str) -> bool:
    """Store the file, mark the job done and announce it (`report.done`), in one transaction;
    False if the run was superseded."""
    digest = hashlib.sha256(content).hexdigest()
    async with sessions() as session:
        finished = await ROWS.finish(
            session,
            _held(job),
            utcnow(),
            ReportState.done,
            file_name=file_name,
            size_bytes=len(content),
            sha256=digest,
            error=None,
        )
        if not finished:
            await session.rollback()
            return False
        session.add(ReportFile(report_id=job.id, content=content))
        done = ReportDone(
            report_id=job.id,
            kind=job.kind,
            format=job.format,
            round_id=job.round_id,
            file_name=file_name,
            size_bytes=len(content),
            sha256=digest,
        )
        record_event(
            session, EventType.report_done, done, aggregate_type="report", aggregate_id=job.id, org_path=job.org_path
        )
        await session.commit()
    return True


async def fail(sessions: Sessions, job: ClaimedJob, error: str) -> bool:
    async with sessions() as session:
        failed = await ROWS.finish(session, _held(job), utcnow(), ReportState.failed, error=error)
        await session.commit()
    return failed


async def _fail_quietly(sessions: Sessions, job: ClaimedJob, error: str) -> None:
    # If even this write fails (the database is down) the job stays "running" and the sweep
    # re-enqueues it once it is stale: nothing is lost.
    try:
        await fail(sessions, job, error)
    except Exception as exc:
        log.error("report_fail_not_recorded", report_id=job.id, error=short_error(exc))


def short_error(exc: BaseException) -> str:
    """One line for the job row: the exception's type and first line, no stack trace."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text[:ERROR_MAX_CHARS]


@job
async def sweep_reports(ctx: JobContext) -> int:
    """arq cron, every minute: re-enqueue what the database says is owed and Redis may have lost."""
    now = utcnow()
    async with job_session(ctx) as session:
        gave_up = await ROWS.give_up(session, now)
        rows = await ROWS.owed_rows(session, now, SWEEP_BATCH)
        await session.commit()
    if gave_up:
        log.warning("reports_given_up", count=gave_up)

    prefix = ctx["settings"].queue_prefix
    enqueued = 0
    for report_id, attempts in rows:
        payload = RenderReport(report_id=report_id).model_dump(mode="json", exclude_none=True)
        job_id = f"report:{report_id}:sweep:{attempts}"
        if await queue.enqueue(ctx["redis"], prefix, REPORT_WORKER_QUEUE, RENDER_REPORT, payload, job_id):
            enqueued += 1
    if rows:
        log.info("reports_swept", owed=len(rows), enqueued=enqueued)
    return enqueued
