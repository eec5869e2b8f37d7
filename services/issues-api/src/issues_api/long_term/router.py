from fastapi import APIRouter, Response

from rectify_shared.models import IssueAttestation, Org

from ..auth.deps import ClosuresManager, LedgerReader, ProgressWriter
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, decode_cursor, page_of
from ..issues import repository as issues
from ..issues.service import live_issue
from ..orgs.schemas import OrgRef
from . import attestations, repository
from .due import due_of
from .relapse import check_source, record_relapse
from .schemas import AttestationCreate, AttestationRead, AttestationStatus, RelapseCreate, RelapseRead

router = APIRouter(prefix="/api/v1/issues/{issue_id}", tags=["long-term tasks"])


@router.post("/attestations", status_code=201, response_model=AttestationRead, responses=errors(404, 409, 415, 422))
async def file_attestation(
    issue_id: int, data: AttestationCreate, session: SessionDep, principal: ProgressWriter, response: Response
) -> AttestationRead:
    """定期复核: the unit re-attests a long-term task (已完成整改，长期坚持) for the current period,
    with a statement and evidence. It is filed as a progress report too."""
    row = await attestations.attest(session, issue_id, data, principal)
    await session.commit()
    assert row.id is not None
    response.headers["Location"] = f"/api/v1/issues/{issue_id}/attestations"
    org = await session.get_one(Org, row.attesting_org_id)
    evidence = await repository.evidence_of(session, [row.progress_report_id])
    return _read(row, org.name, evidence)


def _read(row: IssueAttestation, org_name: str, evidence: dict[int, list[int]]) -> AttestationRead:
    assert row.id is not None
    return AttestationRead(
        id=row.id,
        issue_id=row.issue_id,
        statement=row.statement,
        cycle=row.cycle,  # type: ignore[arg-type]
        period=row.period,
        progress_report_id=row.progress_report_id,
        attesting_org=OrgRef(id=row.attesting_org_id, name=org_name),
        attachment_ids=evidence.get(row.progress_report_id, []),
        attested_by=row.attested_by,
        attested_at=row.attested_at,
    )


@router.get("/attestations", response_model=AttestationStatus, responses=errors(404, 422))
async def list_attestations(
    issue_id: int, session: SessionDep, principal: LedgerReader, limit: Limit = 50, cursor: Cursor = None
) -> AttestationStatus:
    """A task's re-attestation cycle, when it is next due, and its attestations, newest first."""
    issue = await issues.get(session, issue_id, principal.scope)
    if issue is None or issue.id is None:
        raise not_found("问题", "Issue")
    before = decode_cursor(cursor, "-id")[1] if cursor else None
    rows = await repository.attestations_page(session, issue.id, before, limit)
    items, nxt = page_of(rows, limit, "-id", lambda r: (r[0].id, r[0].id or 0))
    evidence = await repository.evidence_of(session, [r[0].progress_report_id for r in items])
    cycle, due = await due_of(session, issue)
    return AttestationStatus(
        issue_id=issue.id,
        long_term=issue.long_term,
        status=issue.status,
        attestation_cycle=cycle,  # type: ignore[arg-type]
        next_attestation_due=due,
        items=[_read(r[0], r.org_name, evidence) for r in items],
        next_cursor=nxt,
    )


@router.post("/relapse", status_code=201, response_model=RelapseRead, responses=errors(403, 404, 409, 415, 422))
async def report_relapse(
    issue_id: int, data: RelapseCreate, session: SessionDep, principal: ClosuresManager, response: Response
) -> RelapseRead:
    """反弹: the office records that a finished task (completed, long-term or written off) relapsed,
    with the reason and its source (a linked petition case, a progress report, an inspection…).
    The issue is in_progress again and its closure `reopened`: the unit applies again."""
    issue = await live_issue(session, issue_id, principal)
    await check_source(session, issue, data)
    row = await record_relapse(session, principal, issue, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/issues/{issue_id}/relapses"
    return RelapseRead.model_validate(row, from_attributes=True)


@router.get("/relapses", response_model=list[RelapseRead], responses=errors(404))
async def list_relapses(issue_id: int, session: SessionDep, principal: LedgerReader) -> list[RelapseRead]:
    """Every relapse recorded on a task, oldest first."""
    if await issues.get(session, issue_id, principal.scope) is None:
        raise not_found("问题", "Issue")
    return [
        RelapseRead.model_validate(r, from_attributes=True) for r in await repository.relapses_of(session, issue_id)
    ]
