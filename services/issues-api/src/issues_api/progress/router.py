from datetime import datetime

from fastapi import APIRouter, Response
from sqlmodel import col

from rectify_shared.models import ProgressReport

from ..auth.deps import LedgerReader, ProgressWriter
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from ..issues import repository as issues
from ..orgs.schemas import OrgRef
from . import repository, service
from .evidence import hidden_report
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
    response.headers["Location"] = f"/api/v1/issues/{out.issue_id}/progress"
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
    response.headers["Location"] = f"/api/v1/issues/{out.issue_id}/progress"
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
            )
            for r in items
        ],
        next_cursor=nxt,
    )
