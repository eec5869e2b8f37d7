from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import WithJsonSchema

from rectify_shared.escalation_policy import DEFAULT_POLICY, Level, Policy

from ..auth.deps import EscalationResponder, EscalationsWriter, LedgerReader
from ..core.deps import SessionDep
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page
from . import policies, scans, service
from .schemas import (
    EscalationCreate,
    EscalationRead,
    IssueAct,
    RespondAct,
    ScanCreate,
    ScanRead,
    ScanWithdraw,
    State,
    WithdrawAct,
)

router = APIRouter(prefix="/api/v1", tags=["escalations"])


@router.get("/escalations", response_model=Page[EscalationRead], responses=errors(404, 422))
async def list_escalations(
    principal: LedgerReader,
    session: SessionDep,
    org_id: Annotated[int | None, Query(description="This org and everything under it")] = None,
    level: Level | None = None,
    state: State | None = None,
    issue_id: int | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EscalationRead]:
    """Warnings, notices, supervision orders and summons (预警、通报、督办、约谈), newest first.
    Proposed (拟办) letters are listed to the office only, until it issues them."""
    items, nxt = await service.list_page(
        session,
        principal,
        service.EscalationFilter(org_id=org_id, level=level, state=state, issue_id=issue_id),
        limit,
        cursor,
    )
    return Page[EscalationRead](items=[service.read(e) for e in items], next_cursor=nxt)


@router.get("/escalations/{escalation_id}", response_model=EscalationRead, responses=errors(404))
async def get_escalation(escalation_id: int, principal: LedgerReader, session: SessionDep) -> EscalationRead:
    return service.read(await service.get_visible(session, principal, escalation_id))


@router.post("/escalations", status_code=201, response_model=EscalationRead, responses=errors(415, 422))
async def create_escalation(
    data: EscalationCreate, principal: EscalationsWriter, session: SessionDep, response: Response
) -> EscalationRead:
    """The office issues an escalation by hand (it goes out at once)."""
    e = await service.create_by_hand(session, principal, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/escalations/{e.id}"
    return service.read(e)


@router.post("/escalations/{escalation_id}/issue", response_model=EscalationRead, responses=errors(404, 409, 422))
async def issue_escalation(
    escalation_id: int, principal: EscalationsWriter, session: SessionDep, data: IssueAct | None = None
) -> EscalationRead:
    """Issue a proposed escalation (督办、约谈 wait for this by policy), with its document number."""
    e = await service.issue(session, principal, escalation_id, data or IssueAct())
    await session.commit()
    return service.read(e)


@router.post("/escalations/{escalation_id}/withdraw", response_model=EscalationRead, responses=errors(404, 409, 422))
async def withdraw_escalation(
    escalation_id: int, data: WithdrawAct, principal: EscalationsWriter, session: SessionDep
) -> EscalationRead:
    e = await service.withdraw(session, principal, escalation_id, data.reason)
    await session.commit()
    return service.read(e)


@router.post("/escalations/{escalation_id}/respond", response_model=EscalationRead, responses=errors(404, 409, 422))
async def respond_to_escalation(
    escalation_id: int, data: RespondAct, principal: EscalationResponder, session: SessionDep
) -> EscalationRead:
    """The addressed unit answers an issued escalation in writing."""
    e = await service.respond(session, principal, escalation_id, data)
    await session.commit()
    return service.read(e)


@router.post("/escalations/scan", status_code=202, response_model=ScanRead, responses=errors(415, 422))
async def request_scan(
    data: ScanCreate, principal: EscalationsWriter, session: SessionDep, response: Response
) -> ScanRead:
    """Run the deadline and dispatch scan for a date (the notifier runs it daily by itself).
    Scanning a date twice changes nothing. A date after today is refused unless `dry_run`: a
    dry run (any date) reports what the scan would create, climb and resolve, and keeps nothing."""
    scan = await scans.request(session, principal, data)
    response.headers["Location"] = f"/api/v1/escalations/scans/{scan.id}"
    return scans.scan_read(scan)


@router.get("/escalations/scans/{scan_id}", response_model=ScanRead, responses=errors(404))
async def get_scan(scan_id: int, principal: EscalationsWriter, session: SessionDep) -> ScanRead:
    scan = await scans.get(session, scan_id)
    return scans.scan_read(scan)


@router.post(
    "/escalations/scans/{scan_id}/withdraw", status_code=202, response_model=ScanRead, responses=errors(404, 409, 422)
)
async def withdraw_scan(
    scan_id: int, data: ScanWithdraw, principal: EscalationsWriter, session: SessionDep
) -> ScanRead:
    """Withdraw everything a scan created, as one audited act: the notifier withdraws its
    escalations still in force (and the messages not yet sent); `withdraw_state` becomes `done`."""
    scan = await scans.withdraw(session, principal, scan_id, data)
    return scans.scan_read(scan)


@router.get("/rounds/{round_id}/escalation-policy", response_model=Policy, responses=errors(404))
async def get_policy(round_id: int, principal: LedgerReader, session: SessionDep) -> Policy:
    """The round's escalation ladder (the default one until the office sets its own)."""
    return await policies.get(session, principal, round_id)


@router.put("/rounds/{round_id}/escalation-policy", response_model=Policy, responses=errors(404, 415, 422))
async def put_policy(
    round_id: int,
    principal: EscalationsWriter,
    session: SessionDep,
    body: Annotated[
        dict[str, Any],
        Body(examples=[DEFAULT_POLICY.model_dump(mode="json")]),
        WithJsonSchema({"$ref": "#/components/schemas/Policy", "examples": [DEFAULT_POLICY.model_dump(mode="json")]}),
    ],
) -> Policy:
    """Replace the round's escalation ladder (validated; audited)."""
    return await policies.replace(session, principal, round_id, body)
