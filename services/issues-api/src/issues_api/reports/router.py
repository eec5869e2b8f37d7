from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import REPORT_MEDIA_TYPES, OrgKind, ReportFormat, ReportKind, ReportState
from rectify_shared.events import InternalEventType, internal
from rectify_shared.models import Org, ReportFile, ReportJob
from rectify_shared.timezone import today

from ..audit.writer import record_audit
from ..auth.deps import ReportReader, ReportRequester
from ..auth.principal import Principal
from ..closures import repository as closures
from ..core import signed_links
from ..core.deps import SessionDep, StateDep
from ..core.errors import ApiError, errors, invalid, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from ..dispatch import repository as dispatch
from ..escalations import repository as escalations
from ..orgs import repository as orgs
from ..outbox.writer import record_event
from ..petitions import repository as petitions
from ..rounds import repository as rounds
from . import reuse
from .pdf_pages import estimated_pages, too_many_pages
from .schemas import ReportRead, ReportRequest
from .scope import may_read

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


REUSED_DONE: dict[int | str, dict[str, Any]] = {
    200: {
        "model": ReportRead,
        "description": "The same request on unchanged data was already answered: the finished report (`reused: true`)",
    }
}
QUEUED = "Queued — or the same request on unchanged data is already queued or running (`reused: true`)"


@router.post(
    "",
    status_code=202,
    response_model=ReportRead,
    responses={**REUSED_DONE, 202: {"description": QUEUED}, **errors(415, 422, 429)},
)
async def request_report(
    data: ReportRequest, session: SessionDep, principal: ReportRequester, state: StateDep, response: Response
) -> ReportRead:
    """Queue a report; the report-worker renders it. Poll `GET /reports/{id}`. A report covers
    the problems of `org_id` and speaks for it (title, 全盟/全市/全旗 wording) — by default the
    round's org (the parent of the round's 督察整改办) when it is in the caller's scope, else the
    caller's own org; never more than the caller may see.

    The same request (kind, format, round, `as_of`, org and scope, parameters) on unchanged data
    gets the report already made: 200 with it when it is done, 202 with it while it is queued or
    running; nothing new is queued. Any write to the data in between makes a new report.
    A PDF estimated over `RECTIFY_PDF_MAX_PAGES` pages is refused with 422 (ask for xlsx or docx)."""
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
        response.headers["Location"] = f"/api/v1/reports/{existing.id}"
        if existing.state == ReportState.done:
            response.status_code = 200
        return ReportRead.model_validate(existing).model_copy(update={"reused": True})
    await _within_quota(session, principal, state.settings.report_jobs_per_user)
    if data.format == ReportFormat.pdf:
        cap = state.settings.pdf_max_pages
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
    response.headers["Location"] = f"/api/v1/reports/{job.id}"
    return ReportRead.model_validate(job)


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
        raise ApiError(
            429,
            "report_quota",
            f"您已有{quota}份报告在排队或生成中，请待其完成后再申请",
            f"You already have {quota} reports queued or rendering; wait for one to finish",
        )


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


async def _visible_job(session: AsyncSession, principal: Principal, report_id: int) -> ReportJob:
    job = await session.get(ReportJob, report_id)
    if job is None or not may_read(principal.scope, job):
        raise not_found("报告", "Report")
    return job


#: rows read per query while a page of readable reports is gathered (most rows in scope are readable)
_BATCH = 200


@router.get("", response_model=Page[ReportRead], responses=errors(422))
async def list_reports(
    session: SessionDep,
    principal: ReportReader,
    kind: ReportKind | None = None,
    status: Annotated[ReportState | None, Query(description="queued, running, done or failed")] = None,
    mine: Annotated[bool, Query(description="Only the reports I requested / 仅本人申请的报告")] = False,
    round_id: int | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReportRead]:
    """The reports the caller may read (the same rule as `GET /reports/{id}`: its scope covers all the
    report was rendered for), newest first — whoever requested them."""
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
    return Page[ReportRead](items=[ReportRead.model_validate(j) for j in items], next_cursor=nxt)


@router.get("/{report_id}", response_model=ReportRead, responses=errors(404))
async def get_report(report_id: int, session: SessionDep, principal: ReportReader) -> ReportRead:
    job = await _visible_job(session, principal, report_id)
    return ReportRead.model_validate(job)


@router.get(
    "/{report_id}/file",
    responses={
        200: {"content": {t: {} for t in REPORT_MEDIA_TYPES.values()}, "description": "The report file"},
        **errors(404, 409),
    },
    response_class=Response,
)
async def get_report_file(report_id: int, session: SessionDep, principal: ReportReader) -> Response:
    job = await _visible_job(session, principal, report_id)
    return await _file(session, job)


async def _file(session: AsyncSession, job: ReportJob) -> Response:
    report_id = job.id
    if job.state != ReportState.done:
        raise ApiError(409, "report_not_ready", "报告尚未生成完成", f"The report is {job.state}, not done")
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


@router.post("/{report_id}/link", response_model=signed_links.SignedLink, responses=errors(404, 409, 422))
async def signed_link_for_report(
    report_id: int,
    request: Request,
    session: SessionDep,
    state: StateDep,
    principal: ReportReader,
    minutes: signed_links.Minutes = signed_links.DEFAULT_MINUTES,
) -> signed_links.SignedLink:
    """A short-lived URL of the finished report file that opens without an Authorization header
    (a webview's `<a href>`), bound to your scope; 409 until the report is done."""
    job = await _visible_job(session, principal, report_id)
    if job.state != ReportState.done:
        raise ApiError(409, "report_not_ready", "报告尚未生成完成", f"The report is {job.state}, not done")
    token, expires = signed_links.sign(state.jwt_secret, "report", report_id, principal, minutes)
    return signed_links.link(request, f"/api/v1/reports/{report_id}/signed", token, expires)


@router.get(
    "/{report_id}/signed",
    responses={
        200: {"content": {t: {} for t in REPORT_MEDIA_TYPES.values()}, "description": "The report file"},
        **errors(403, 404, 409, 422),
    },
    response_class=Response,
)
async def download_signed_report(
    report_id: int, token: signed_links.Token, request: Request, session: SessionDep, state: StateDep
) -> Response:
    """The report file through a signed link (no Authorization header): 403 when the link is forged
    or expired, 404 when the report is no longer in the scope it was signed for."""
    grant = signed_links.verify(state.jwt_secret, "report", report_id, token)
    await signed_links.enter_scope(request, session, grant.scope)
    job = await session.get(ReportJob, report_id)
    if job is None or not may_read(grant.scope, job):
        raise not_found("报告", "Report")
    return await _file(session, job)
