from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import ValidationError, WithJsonSchema
from sqlalchemy import select

from rectify_shared.escalation_policy import DEFAULT_POLICY, Level, Policy
from rectify_shared.events import InternalEventType, internal
from rectify_shared.models import EscalationPolicy, Org, ScanRequest
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today
from rectify_shared.tree import in_subtree

from ..audit.writer import record_audit
from ..auth.deps import EscalationResponder, EscalationsWriter, LedgerReader
from ..core.deps import SessionDep
from ..core.errors import ApiError, errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from ..orgs import repository as orgs
from ..outbox.writer import record_event
from ..rounds import repository as rounds
from . import repository, service
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
    org_path = None
    if org_id is not None:
        org = await orgs.get_visible(session, principal, org_id)
        if org is None:
            raise not_found("单位", "Org")
        org_path = org.path
    after = decode_cursor(cursor, "-id")[1] if cursor else None
    rows = await repository.list_page(
        session,
        principal.scope,
        drafts=repository.sees_proposed(principal.role),
        org_path=org_path,
        level=level,
        state=state,
        issue_id=issue_id,
        after_id=after,
        limit=limit,
    )
    items, nxt = page_of(rows, limit, "-id", lambda e: (e.id, e.id or 0))
    return Page[EscalationRead](items=[service.read(e) for e in items], next_cursor=nxt)


@router.get("/escalations/{escalation_id}", response_model=EscalationRead, responses=errors(404))
async def get_escalation(escalation_id: int, principal: LedgerReader, session: SessionDep) -> EscalationRead:
    e = await repository.get(session, principal.scope, escalation_id, drafts=repository.sees_proposed(principal.role))
    if e is None:
        raise not_found("督办事项", "Escalation")
    return service.read(e)


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


def _scan_read(s: ScanRequest) -> ScanRead:
    return ScanRead(
        id=s.id or 0,
        as_of=s.as_of,
        status=s.state,
        requested_by=s.requested_by,  # type: ignore[arg-type]
        requested_at=s.requested_at,
        finished_at=s.finished_at,
        created=s.created,
        resolved=s.resolved,
        error=s.error,
        dry_run=s.dry_run,
        report=s.report,
        withdraw_state=s.withdraw_state,  # type: ignore[arg-type]
        withdrawn_by=s.withdrawn_by,
        withdrawn_at=s.withdrawn_at,
        withdrawn_reason=s.withdrawn_reason,
        withdrawn_count=s.withdrawn_count,
    )


@router.post("/escalations/scan", status_code=202, response_model=ScanRead, responses=errors(415, 422))
async def request_scan(
    data: ScanCreate, principal: EscalationsWriter, session: SessionDep, response: Response
) -> ScanRead:
    """Run the deadline and dispatch scan for a date (the notifier runs it daily by itself).
    Scanning a date twice changes nothing. A date after today is refused unless `dry_run`: a
    dry run (any date) reports what the scan would create, climb and resolve, and keeps nothing."""
    if data.as_of > today() and not data.dry_run:
        raise ApiError(
            422,
            "scan_in_future",
            f"不能按未来日期（{data.as_of.isoformat()}）发出督办，可用 dry_run 预演",
            f"A scan as of a future date ({data.as_of.isoformat()}) would send real notices; use dry_run",
            [{"field": "body.as_of", "reason": f"after today ({today().isoformat()})"}],
        )
    scan = ScanRequest(as_of=data.as_of, requested_by=principal.name, dry_run=data.dry_run)
    session.add(scan)
    await session.flush()
    await record_audit(
        session,
        principal,
        "escalation.scan_requested",
        "scan_request",
        scan.id or 0,
        before=None,
        after={"as_of": data.as_of.isoformat(), "dry_run": data.dry_run},
        org_path=principal.org_path,
    )
    record_event(
        session,
        InternalEventType.scan_requested,
        "scan_request",
        scan.id or 0,
        internal.ScanRequested(scan_id=scan.id, as_of=data.as_of.isoformat()),
        org_path=principal.org_path,
    )
    await session.commit()
    response.headers["Location"] = f"/api/v1/escalations/scans/{scan.id}"
    return _scan_read(scan)


@router.get("/escalations/scans/{scan_id}", response_model=ScanRead, responses=errors(404))
async def get_scan(scan_id: int, principal: EscalationsWriter, session: SessionDep) -> ScanRead:
    scan = await session.get(ScanRequest, scan_id)
    if scan is None:
        raise not_found("扫描任务", "Scan")
    return _scan_read(scan)


@router.post(
    "/escalations/scans/{scan_id}/withdraw", status_code=202, response_model=ScanRead, responses=errors(404, 409, 422)
)
async def withdraw_scan(
    scan_id: int, data: ScanWithdraw, principal: EscalationsWriter, session: SessionDep
) -> ScanRead:
    """Withdraw everything a scan created, as one audited act: the notifier withdraws its
    escalations still in force (and the messages not yet sent); `withdraw_state` becomes `done`."""
    scan = await session.get(ScanRequest, scan_id, with_for_update=True)
    if scan is None:
        raise not_found("扫描任务", "Scan")
    if scan.dry_run or scan.state != "done" or scan.withdraw_state is not None:
        why = "a dry run wrote nothing" if scan.dry_run else (
            "it is already withdrawn" if scan.withdraw_state else f"it is {scan.state}"
        )  # fmt: skip
        raise ApiError(
            409,
            "scan_not_withdrawable",
            "该次扫描不能撤回（预演、未完成或已撤回）",
            f"The scan cannot be withdrawn: {why}",
        )
    scan.withdraw_state, scan.withdrawn_by, scan.withdrawn_at = "requested", principal.name, utcnow()
    scan.withdrawn_reason = data.reason
    await record_audit(
        session,
        principal,
        "escalation.scan_withdrawn",
        "scan_request",
        scan_id,
        before={"created": scan.created},
        after={"reason": data.reason},
        org_path=principal.org_path,
    )
    record_event(
        session,
        InternalEventType.scan_withdraw_requested,
        "scan_request",
        scan_id,
        internal.ScanWithdrawRequested(scan_id=scan_id),
        org_path=principal.org_path,
    )
    await session.commit()
    return _scan_read(scan)


@router.get("/rounds/{round_id}/escalation-policy", response_model=Policy, responses=errors(404))
async def get_policy(round_id: int, principal: LedgerReader, session: SessionDep) -> Policy:
    """The round's escalation ladder (the default one until the office sets its own)."""
    if await rounds.get_visible(session, principal, round_id) is None:
        raise not_found("督察轮次", "Inspection round")
    row = await session.get(EscalationPolicy, round_id)
    return Policy.model_validate(row.policy) if row else DEFAULT_POLICY


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
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None or not principal.subtree.contains(rnd.org_path):
        raise not_found("督察轮次", "Inspection round")
    try:
        policy = Policy.model_validate(body)
    except ValidationError as exc:
        details = [
            {"field": "body." + ".".join(str(p) for p in err["loc"]), "reason": err["msg"]} for err in exc.errors()
        ]
        raise ApiError(422, "invalid_policy", "督办规则不合法", "Invalid escalation policy", details) from exc
    conflicts = policy.issuer_conflicts(*await _issuers_and_unit_parents(session, rnd))
    if conflicts:
        raise ApiError(
            422,
            "invalid_policy",
            "督办规则不能发给签发单位（督察整改办或其所属单位）自己",
            "A rule would address the issuer itself (the round's office or the org it belongs to)",
            [{"field": "body.rules", "reason": f"rule {rid}: target parent_org is the issuer"} for rid in conflicts],
        )
    row = await session.get(EscalationPolicy, round_id)
    before = row.policy if row else None
    value = policy.model_dump(mode="json")
    if row is None:
        session.add(EscalationPolicy(round_id=round_id, policy=value, updated_by=principal.name))
    else:
        row.policy, row.updated_by, row.updated_at = value, principal.name, utcnow()
    await record_audit(
        session,
        principal,
        "escalation_policy.replaced",
        "inspection_round",
        round_id,
        before=before,
        after=value,
        org_path=rnd.org_path,
    )
    # internal (not in the public feed): the ledger's warning colours follow the policy
    record_event(
        session,
        InternalEventType.escalation_policy_replaced,
        "inspection_round",
        round_id,
        internal.EscalationPolicyReplaced(round_id=round_id),
        org_path=rnd.org_path,
    )
    await session.commit()
    return policy


async def _issuers_and_unit_parents(session: SessionDep, rnd: Any) -> tuple[set[int], set[int]]:
    """(the round's office and the org it belongs to, the orgs directly above the round's units)."""
    office = await session.get(Org, rnd.office_org_id) if rnd.office_org_id else None
    issuers = {rnd.org_id} | ({office.id or 0, office.parent_id or 0} if office else set())
    parents = (
        await session.execute(
            select(Org.parent_id).where(in_subtree(Org.path, rnd.org_path), Org.id != rnd.org_id).distinct()
        )
    ).scalars()
    return issuers, {p for p in parents if p is not None}
