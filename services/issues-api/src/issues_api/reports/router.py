from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from rectify_shared.enums import REPORT_MEDIA_TYPES, ReportKind, ReportState

from ..auth.deps import ReportReader, ReportRequester
from ..core import signed_links
from ..core.deps import SessionDep, StateDep
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page
from . import service
from .errors import REPORT_NOT_READY
from .schemas import ReportRead, ReportRequest

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
    job, reused = await service.request(session, principal, data, state.settings)
    response.headers["Location"] = f"/api/v1/reports/{job.id}"
    if not reused:
        return ReportRead.model_validate(job)
    if job.state == ReportState.done:
        response.status_code = 200
    return ReportRead.model_validate(job).model_copy(update={"reused": True})


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
    f = service.ReportFilter(kind=kind, status=status, mine=mine, round_id=round_id)
    items, nxt = await service.list_page(session, principal, f, limit, cursor)
    return Page[ReportRead](items=[ReportRead.model_validate(j) for j in items], next_cursor=nxt)


@router.get("/{report_id}", response_model=ReportRead, responses=errors(404))
async def get_report(report_id: int, session: SessionDep, principal: ReportReader) -> ReportRead:
    job = await service.visible_job(session, principal, report_id)
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
    job = await service.visible_job(session, principal, report_id)
    return await service.file_response(session, job)


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
    job = await service.visible_job(session, principal, report_id)
    if job.state != ReportState.done:
        raise REPORT_NOT_READY.error(job_state=job.state)
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
    return await service.file_response(session, await service.job_in_scope(session, grant.scope, report_id))
