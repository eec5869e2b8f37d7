"""Reports: queue one (or reuse the one already made on unchanged data), list, read, and serve the file."""

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Response
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import REPORT_MEDIA_TYPES, OrgKind, ReportFormat, ReportKind, ReportState
from rectify_shared.events import InternalEventType, internal
from rectify_shared.models import Org, ReportFile, ReportJob
from rectify_shared.settings import Settings
from rectify_shared.timezone import today

from ..audit.writer import record_audit
from ..auth.principal import Principal, Scope
from ..closures import repository as closures
from ..core.errors import invalid, not_found
from ..core.pagination import decode_cursor, page_of
from ..dispatch import repository as dispatch
from ..escalations import repository as escalations
from ..orgs import repository as orgs
from ..outbox.writer import record_event
from ..petitions import repository as petitions
from ..rounds import repository as rounds
from . import reuse
from .errors import REPORT_NOT_READY, REPORT_QUOTA
from .pdf_pages import estimated_pages, too_many_pages
from .schemas import ReportRequest
from .scope import may_read


async def request(
    session: AsyncSession, principal: Principal, data: ReportRequest, settings: Settings
) -> tuple[ReportJob, bool]:
    """The job that answers `data`, and whether it was reused (the same request on unchanged data):
    checks the round, org and parameters in the caller's scope, the user's quota and the PDF's pages,
    then queues a job (audited, `report.requested` in the outbox) and commits."""
    rnd = await rounds.get_visible(session, principal, data.round_id)
    if rnd is None:
        raise invalid("body.round_id", "no such round", "督察轮次不存在", "Inspection round does not exist")
    org = await _report_org(session, principal, data.org_id, rnd.org_id)
    path = org.path
    params: dict[str, object] = {"scope_exact": principal.scope.exact}
    if data.dispatch_round_id is not None:
        if await dispatch.get_visible(session, principal.scope, data.dispatch_round_id) is None:
            raise invalid(
                "body.dispatch_round_id", "no such dispatch round", "调度轮次不存在", "No such dispatch round"
            )
        params["dispatch_round_id"] = data.dispatch_round_id
    if data.escalation_id is not None:
        if await escalations.get(session, principal.scope, data.escalation_id) is None:
            raise invalid("body.escalation_id", "no such escalation", "督办事项不存在", "No such escalation")
        params["escalation_id"] = data.escalation_id
    if data.batch_id is not None:
        batch = await petitions.get_batch(session, principal, data.batch_id)
        if batch is None or batch.round_id != data.round_id:
            raise invalid(
                "body.batch_id",
                "no such batch in this round",
                "该督察轮次没有这个信访举报件批次",
                "No such batch in this round",
            )
        params["batch_id"] = data.batch_id
    if data.money_unit is not None:
        params["money_unit"] = data.money_unit.value
    if data.closure_id is not None:
        params["closure_id"] = await _closure_param(session, principal, data)
    as_of = data.as_of or today()
    key = reuse.request_key(data.kind, data.format, data.round_id, as_of, path, params)
    version = await reuse.data_version(session)
    existing = await reuse.find_reusable(session, key, version)
    if existing is not None:
        return existing, True
    await _within_quota(session, principal, settings.report_jobs_per_user)
    if data.format == ReportFormat.pdf:
        cap = settings.pdf_max_pages
        pages = await estimated_pages(session, data.kind, data.round_id, as_of, path, params)
        if pages > cap:
            raise too_many_pages(pages, cap)
    job = ReportJob(
        kind=data.kind,
        format=data.format,
        round_id=data.round_id,
        as_of=as_of,
        org_id=org.id,
        org_path=path,
        requested_by=principal.name,
        # a unit's report covers its own org only, not the orgs under it
        params=params,
        request_key=key,
        data_version=version,
    )
    session.add(job)
    await session.flush()
    assert job.id is not None
    await record_audit(
        session,
        principal,
        "report.requested",
        "report",
        job.id,
        before=None,
        after={
            "kind": job.kind,
            "format": job.format,
            "round_id": job.round_id,
            "as_of": job.as_of.isoformat() if job.as_of else None,
            "org_id": job.org_id,
        },
        org_path=path,
    )
    record_event(
        session,
        InternalEventType.report_requested,
        "report",
        job.id,
        internal.ReportRequested(report_id=job.id, kind=job.kind),
        org_path=path,
    )
    await session.commit()
    return job, False


async def _report_org(session: AsyncSession, principal: Principal, org_id: int | None, round_org_id: int) -> Org:
    """The org a report speaks for (its title, 全盟-style wording, scope): the one the request names,
    else the round's org (the parent of its 督察整改办) when the caller's scope holds it, else the
    caller's own org. An office org speaks with its parent's voice (its subtree holds no tasks)."""
    if org_id is None:
        round_org = await orgs.get(session, round_org_id)
        org = round_org if round_org is not None and principal.scope.contains(round_org.path) else None
        org = org or await orgs.get(session, principal.org_id)
    else:
        org = await orgs.get(session, org_id)
    if org is not None and org.kind == OrgKind.office and org.parent_id is not None:
        org = await orgs.get(session, org.parent_id)
    if org is None or not principal.scope.contains(org.path):
        raise invalid(
            "body.org_id", "no such org in your scope", "单位不存在或不在管辖范围内", "Org does not exist in your scope"
        )
    return org


async def _within_quota(session: AsyncSession, principal: Principal, quota: int) -> None:
    """One user's unfinished reports are capped (security finding 19: thirty PDFs queued by one
    unit delayed the office's export); a reused report queues nothing and is not counted."""
    unfinished = (ReportState.queued, ReportState.running)
    stmt = select(func.count()).where(
        col(ReportJob.requested_by) == principal.name, col(ReportJob.state).in_(unfinished)
    )
    if (await session.exec(stmt)).one() >= quota:
        raise REPORT_QUOTA.error(quota=quota)


async def _closure_param(session: AsyncSession, principal: Principal, data: ReportRequest) -> int:
    """The closure of a closure document: visible to the caller, in the round; a notice needs its period."""
    closure = await closures.get(session, data.closure_id or 0, principal.scope)
    if closure is None or closure.round_id != data.round_id:
        raise invalid(
            "body.closure_id", "no such closure in this round", "销号申请不存在", "No such closure in this round"
        )
    if data.kind == ReportKind.closure_notice and closure.publicity_start is None:
        raise invalid(
            "body.closure_id",
            "the closure has no notice period yet",
            "该整改任务尚未进入公示，不能生成销号公示",
            "The closure has no notice period yet; start its publicity first",
        )
    return int(data.closure_id or 0)


async def visible_job(session: AsyncSession, principal: Principal, report_id: int) -> ReportJob:
    return await job_in_scope(session, principal.scope, report_id)


async def job_in_scope(session: AsyncSession, scope: Scope, report_id: int) -> ReportJob:
    """The report, when `scope` covers all it was rendered for; else 404."""
    job = await session.get(ReportJob, report_id)
    if job is None or not may_read(scope, job):
        raise not_found("报告", "Report")
    return job


@dataclass(frozen=True)
class ReportFilter:
    kind: ReportKind | None = None
    status: ReportState | None = None
    mine: bool = False
    round_id: int | None = None


#: rows read per query while a page of readable reports is gathered (most rows in scope are readable)
_BATCH = 200


async def list_page(
    session: AsyncSession, principal: Principal, f: ReportFilter, limit: int, cursor: str | None
) -> tuple[list[ReportJob], str | None]:
    """A page of the reports the caller may read, newest first, and the next cursor."""
    kind, status, mine, round_id = f.kind, f.status, f.mine, f.round_id
    after = decode_cursor(cursor, "-id")[1] if cursor else None
    stmt = select(ReportJob).where(principal.scope.clause(col(ReportJob.org_path)))
    if kind is not None:
        stmt = stmt.where(col(ReportJob.kind) == kind)
    if status is not None:
        stmt = stmt.where(col(ReportJob.state) == status)
    if mine:
        stmt = stmt.where(col(ReportJob.requested_by) == principal.name)
    if round_id is not None:
        stmt = stmt.where(col(ReportJob.round_id) == round_id)
    # a unit's scope holds subtree reports of its own org it may not read: gather a page of readable ones
    rows: list[ReportJob] = []
    while len(rows) <= limit:
        batch_stmt = stmt if after is None else stmt.where(col(ReportJob.id) < after)
        batch = (await session.exec(batch_stmt.order_by(col(ReportJob.id).desc()).limit(_BATCH))).all()
        rows.extend(job for job in batch if may_read(principal.scope, job))
        if len(batch) < _BATCH:
            break
        after = batch[-1].id
    items, nxt = page_of(rows, limit, "-id", lambda j: (j.id, j.id or 0))
    return items, nxt


async def file_response(session: AsyncSession, job: ReportJob) -> Response:
    report_id = job.id
    if job.state != ReportState.done:
        raise REPORT_NOT_READY.error(job_state=job.state)
    content = (await session.exec(select(ReportFile.content).where(ReportFile.report_id == report_id))).first()
    if content is None:
        raise not_found("报告文件", "Report file")
    name = job.file_name or f"report-{job.id}.{job.format}"
    ascii_name = f"report-{job.id}.{job.format}"
    return Response(
        content,
        media_type=REPORT_MEDIA_TYPES[ReportFormat(job.format)],
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "ETag": f'"{job.sha256}"',
        },
    )
