from urllib.parse import quote

from fastapi import APIRouter, Response
from sqlmodel import select

from rectify_shared.enums import REPORT_MEDIA_TYPES, ReportFormat, ReportState
from rectify_shared.models import ReportFile, ReportJob
from rectify_shared.timezone import today

from ..core.deps import ActorDep, SessionDep
from ..core.errors import ApiError, errors, invalid, not_found
from ..orgs import repository as orgs
from ..outbox.writer import record_event
from ..rounds import repository as rounds
from .schemas import ReportRead, ReportRequest

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.post("", status_code=202, response_model=ReportRead, responses=errors(415, 422))
async def request_report(data: ReportRequest, session: SessionDep, actor: ActorDep, response: Response) -> ReportRead:
    """Queue a report; the report-worker renders it. Poll `GET /reports/{id}`."""
    rnd = await rounds.get(session, data.round_id)
    if rnd is None:
        raise invalid("body.round_id", "no such round", "督察轮次不存在", "Inspection round does not exist")
    path = rnd.org_path
    if data.org_id is not None:
        org = await orgs.get(session, data.org_id)
        if org is None:
            raise invalid("body.org_id", "no such org", "单位不存在", "Org does not exist")
        path = org.path
    job = ReportJob(
        kind=data.kind,
        format=data.format,
        round_id=data.round_id,
        as_of=data.as_of or today(),
        org_id=data.org_id,
        org_path=path,
        requested_by=actor,
    )
    session.add(job)
    await session.flush()
    assert job.id is not None
    record_event(
        session,
        "report.requested",
        "report",
        job.id,
        {"report_id": job.id, "kind": job.kind},
        org_path=path,
        in_feed=False,
    )
    await session.commit()
    response.headers["Location"] = f"/api/v1/reports/{job.id}"
    return ReportRead.model_validate(job)


@router.get("/{report_id}", response_model=ReportRead, responses=errors(404))
async def get_report(report_id: int, session: SessionDep) -> ReportRead:
    job = await session.get(ReportJob, report_id)
    if job is None:
        raise not_found("报告", "Report")
    return ReportRead.model_validate(job)


@router.get(
    "/{report_id}/file",
    responses={
        200: {"content": {t: {} for t in REPORT_MEDIA_TYPES.values()}, "description": "The report file"},
        **errors(404, 409),
    },
    response_class=Response,
)
async def get_report_file(report_id: int, session: SessionDep) -> Response:
    job = await session.get(ReportJob, report_id)
    if job is None:
        raise not_found("报告", "Report")
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
