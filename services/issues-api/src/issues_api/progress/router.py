from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlmodel import col

from rectify_shared.models import ProgressReport

from ..attachments.privacy import hidden_report
from ..auth.deps import LedgerReader, ProgressWriter
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from ..issues import repository as issues
from ..orgs.schemas import OrgRef
from . import repository, service
from .schemas import ProgressCreate, ProgressRead

router = APIRouter(prefix="/api/v1", tags=["progress"])


@router.post(
    "/measures/{measure_id}/progress",
    status_code=201,
    response_model=ProgressRead,
    responses=errors(404, 409, 415, 422),
)
async def report_on_measure(
    measure_id: int, data: ProgressCreate, session: SessionDep, principal: ProgressWriter, response: Response
) -> ProgressRead:
    """A unit reports progress (整改进展) on a measure."""
    out = await service.report_on_measure(session, measure_id, data, principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/progress/{out.id}"
    return out


@router.post(
    "/issues/{issue_id}/progress", status_code=201, response_model=ProgressRead, responses=errors(404, 409, 415, 422)
)
async def report_on_issue(
    issue_id: int, data: ProgressCreate, session: SessionDep, principal: ProgressWriter, response: Response
) -> ProgressRead:
    """A unit reports progress on a problem as a whole."""
    out = await service.report_on_issue(session, issue_id, data, principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/progress/{out.id}"
    return out


@router.get("/issues/{issue_id}/progress", response_model=Page[ProgressRead], responses=errors(404, 422))
async def list_progress(
    issue_id: int, session: SessionDep, principal: LedgerReader, limit: Limit = 50, cursor: Cursor = None
) -> Page[ProgressRead]:
    """Progress reports on a problem and its measures, newest first (a unit that answers only for
    one measure sees not the other measures' reports when the round keeps them apart)."""
    if await issues.get(session, issue_id, principal.scope) is None:
        raise not_found("问题", "Issue")
    after = None
    if cursor:
        value, row_id = decode_cursor(cursor, "-reported_at")
        after = (datetime.fromisoformat(value), row_id)
    hidden = hidden_report(principal, col(ProgressReport.measure_id), col(ProgressReport.issue_id))
    rows = await repository.list_for_issue(session, issue_id, after, limit, hidden)
    items, nxt = page_of(rows, limit, "-reported_at", lambda r: (r.reported_at.isoformat(), r.id))
    evidence = await service.attachments_of(session, [r.id for r in items])
    return Page[ProgressRead](
        items=[
            ProgressRead(
                id=r.id,
                issue_id=r.issue_id,
                measure_id=r.measure_id,
                text=r.text,
                reporting_org=OrgRef(id=r.reporting_org_id, name=r.org_name),
                reported_at=r.reported_at,
                reported_by=r.reported_by,
                created_at=r.created_at,
                attachments=evidence.get(r.id, []),
            )
            for r in items
        ],
        next_cursor=nxt,
    )


#: a 63-bit id in a path: digits only, within a BIGINT (a longer one names nothing: 404)
ProgressId = Annotated[
    str,
    Path(
        pattern=r"^[1-9][0-9]{0,18}$",
        description="A progress report's id (a decimal string)",
        examples=["388049409119663637"],
    ),
]


@router.get("/progress/{report_id}", response_model=ProgressRead, responses=errors(404, 422))
async def get_progress(report_id: ProgressId, session: SessionDep, principal: LedgerReader) -> ProgressRead:
    """One progress report with its evidence (the problem must be in your scope)."""
    value = int(report_id)
    if value > 2**63 - 1:
        raise not_found("整改进展", "Progress report")
    return await service.read_one(session, value, principal)
