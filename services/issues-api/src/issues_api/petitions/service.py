"""Petition writes: batches, cases and their state. Every write leaves an event and an audit record."""

from datetime import date, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import PETITION_STATE_TEXT, PetitionDayKind, PetitionState
from rectify_shared.events import EventType
from rectify_shared.events import workflow as wf
from rectify_shared.models import InspectionRound, Org, PetitionBatch, PetitionCase, PetitionPolicy, PetitionStateChange
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..audit.writer import diff, record_audit
from ..auth.principal import Principal, Role
from ..calendar import repository as calendar
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import invalid, not_found
from ..issues import repository as issues
from ..issues.service import orgs_exist
from ..outbox.change import record_change
from ..rounds import repository as rounds
from . import pollution, repository
from .errors import BATCH_NO_TAKEN, CLOSURE_REQUIRED, INTAKE_NO_TAKEN
from .schemas import BatchCreate, CaseCreate, CasePatch, PolicyWrite

CaseInput = CaseCreate | CasePatch

#: the central team's rule when a round has no policy: report back within 10 days
DEFAULT_DUE_DAYS, DEFAULT_DAY_KIND = 10, PetitionDayKind.calendar

#: what a unit operator may change on a case in its scope; the rest is the office's
UNIT_FIELDS = frozenset(
    {"findings", "verdict", "handling", "accountability", "published_at", "follow_up", "state", "reason"}
)
_AUDITED = (
    "intake_no",
    "channel",
    "content",
    "locality_org_id",
    "reported_party",
    "address",
    "pollution_types",
    "key_attention",
    "responsible_org_id",
    "due_date",
    "findings",
    "verdict",
    "handling",
    "accountability",
    "state",
    "certified_by",
    "certified_at",
    "published_at",
    "follow_up",
    "repeat_of_id",
    "issue_id",
)


def case_view(case: PetitionCase) -> dict[str, Any]:
    return {name: getattr(case, name) for name in _AUDITED}


def event_data(case: PetitionCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "round_id": case.round_id,
        "batch_id": case.batch_id,
        "intake_no": case.intake_no,
        "locality_org_id": case.locality_org_id,
        "state": case.state,
        "verdict": case.verdict,
        "due_date": case.due_date.isoformat() if case.due_date else None,
    }


async def writable_round(session: AsyncSession, principal: Principal, round_id: int, field: str) -> InspectionRound:
    """A round the caller's office keeps (its org in the caller's subtree); else 422 naming the field."""
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None or not principal.subtree.contains(rnd.org_path):
        raise invalid(field, "no such round", "督察轮次不存在", "Inspection round does not exist")
    return rnd


async def policy_of(session: AsyncSession, round_id: int) -> tuple[int, PetitionDayKind]:
    policy = await repository.get_policy(session, round_id)
    if policy is None:
        return DEFAULT_DUE_DAYS, DEFAULT_DAY_KIND
    return policy.due_days, PetitionDayKind(policy.day_kind)


async def default_due_date(session: AsyncSession, batch: PetitionBatch) -> date:
    """The batch's time limit, else the round's, counted from the day of transfer."""
    days, kind = await policy_of(session, batch.round_id)
    if batch.due_days is not None:
        days, kind = batch.due_days, PetitionDayKind(batch.day_kind or DEFAULT_DAY_KIND)
    if kind == PetitionDayKind.working:
        calendar_of_batch = await calendar.load_calendar(session, batch.org_path)
        return calendar_of_batch.nth_workday_after(batch.transferred_at, days).day
    return batch.transferred_at + timedelta(days=days)


async def put_policy(session: AsyncSession, principal: Principal, round_id: int, data: PolicyWrite) -> PetitionPolicy:
    await writable_round(session, principal, round_id, "path.round_id")
    policy = await repository.get_policy(session, round_id)
    before = {"due_days": policy.due_days, "day_kind": policy.day_kind} if policy else None
    if policy is None:
        policy = PetitionPolicy(round_id=round_id, due_days=data.due_days, day_kind=data.day_kind, updated_by="")
        session.add(policy)
    policy.due_days, policy.day_kind = data.due_days, data.day_kind
    policy.updated_by, policy.updated_at = principal.name, utcnow()
    await record_audit(
        session,
        principal,
        "petition_policy.replaced",
        "petition_policy",
        round_id,
        before=before,
        after=data.model_dump(mode="json"),
        org_path=None,
    )
    return policy


async def create_batch(session: AsyncSession, principal: Principal, data: BatchCreate) -> PetitionBatch:
    rnd = await writable_round(session, principal, data.round_id, "body.round_id")
    if (data.due_days is None) != (data.day_kind is None):
        raise invalid(
            "body.day_kind",
            "give both or neither",
            "时限天数与计日方式须同时给出",
            "Give due_days and day_kind together",
        )
    if await repository.batch_no_taken(session, data.round_id, data.batch_no):
        raise BATCH_NO_TAKEN.error(batch_no=data.batch_no, details=[{"field": "body.batch_no", "reason": "taken"}])
    batch = PetitionBatch(
        round_id=data.round_id,
        batch_no=data.batch_no,
        transferred_at=data.transferred_at,
        due_days=data.due_days,
        day_kind=data.day_kind,
        org_path=rnd.org_path,
        created_by=principal.name,
    )
    session.add(batch)
    await session.flush()
    assert batch.id is not None
    payload = {"id": batch.id, **data.model_dump(mode="json")}
    await record_change(
        session,
        principal,
        EventType.petition_batch_created,
        "petition_batch",
        batch.id,
        data=wf.PetitionBatchCreated(**payload),
        org_path=rnd.org_path,
    )
    return batch


async def writable_batch(session: AsyncSession, principal: Principal, batch_id: int, field: str) -> PetitionBatch:
    batch = await repository.get_batch(session, principal, batch_id)
    if batch is None or not principal.subtree.contains(batch.org_path):
        raise invalid(field, "no such batch", "信访件批次不存在", "Petition batch does not exist")
    return batch


async def _check_links(session: AsyncSession, principal: Principal, round_id: int, data: CaseInput) -> None:
    fields = data.model_fields_set
    if "repeat_of_id" in fields and data.repeat_of_id is not None:
        earlier = await repository.get(session, data.repeat_of_id, principal.scope)
        if earlier is None or earlier.round_id != round_id:
            raise invalid(
                "body.repeat_of_id", "no such case", "被重复举报的信访件不存在", "The repeated case does not exist"
            )
    if "issue_id" in fields and data.issue_id is not None:
        issue = await issues.get(session, data.issue_id, principal.scope)
        if issue is None or issue.round_id != round_id:
            raise invalid("body.issue_id", "no such issue", "关联的问题不存在", "The linked issue does not exist")


async def add_case(
    session: AsyncSession,
    principal: Principal,
    batch: PetitionBatch,
    data: CaseCreate,
    orgs: dict[int, Org],
    state: PetitionState = PetitionState.in_progress,
    reason: str | None = None,
) -> PetitionCase:
    """Insert a validated case of `batch`; `orgs` holds its locality and responsible org. An
    import registers a case in the state its file gives (`reason` says so in the state history)."""
    assert batch.id is not None
    locality = orgs[data.locality_org_id]
    responsible = orgs[data.responsible_org_id] if data.responsible_org_id is not None else None
    now = utcnow()
    case = PetitionCase(
        round_id=batch.round_id,
        batch_id=batch.id,
        intake_no=data.intake_no,
        content=data.content,
        locality_org_id=data.locality_org_id,
        locality_path=locality.path,
        responsible_path=responsible.path if responsible else None,
        state=state,
        created_at=now,
        updated_at=now,
        **data.model_dump(exclude={"batch_id", "round_id", "intake_no", "content", "locality_org_id", "due_date"}),
    )
    case.due_date = data.due_date or await default_due_date(session, batch)
    session.add(case)
    await session.flush()
    assert case.id is not None
    session.add(
        PetitionStateChange(
            case_id=case.id, to_state=case.state, changed_by=principal.name, changed_at=now, reason=reason
        )
    )
    await record_change(
        session,
        principal,
        EventType.petition_case_created,
        "petition_case",
        case.id,
        data=wf.PetitionCaseCreated(**event_data(case)),
        after=case_view(case),
        org_path=case.locality_path,
    )
    return case


async def create_case(session: AsyncSession, principal: Principal, data: CaseCreate) -> PetitionCase:
    batch = await writable_batch(session, principal, data.batch_id, "body.batch_id")
    if data.round_id is not None and data.round_id != batch.round_id:
        raise invalid(
            "body.round_id", "not the batch's round", "批次不属于该督察轮次", "The batch is not of this round"
        )
    if await repository.intake_taken(session, batch.round_id, [data.intake_no]):
        raise INTAKE_NO_TAKEN.error(intake_no=data.intake_no, details=[{"field": "body.intake_no", "reason": "taken"}])
    ids = [data.locality_org_id, *([data.responsible_org_id] if data.responsible_org_id is not None else [])]
    orgs = await orgs_exist(session, principal, ids, "body.locality_org_id")
    await _check_links(session, principal, batch.round_id, data)
    await pollution.check_codes(session, data.pollution_types, "body.pollution_types")
    return await add_case(session, principal, batch, data, orgs)


def set_state(session: AsyncSession, case: PetitionCase, target: PetitionState, actor: str, reason: str | None) -> None:
    """Move the case to `target`, leaving a state-history row."""
    assert case.id is not None
    session.add(
        PetitionStateChange(
            case_id=case.id,
            from_state=case.state,
            to_state=target,
            changed_by=actor,
            changed_at=utcnow(),
            reason=reason,
        )
    )
    case.state = target


async def _closes_by_writeoff(session: AsyncSession, round_id: int) -> bool:
    from ..closures.policy import policy_for

    return (await policy_for(session, round_id)).petition_closure == "writeoff"


async def close_by_writeoff(session: AsyncSession, principal: Principal, case: PetitionCase, reason: str) -> None:
    """销号 of a case (policy `writeoff`): certified by the writing-off office, today; closed; audited."""
    assert case.id is not None
    office = await session.get(Org, principal.org_id)
    before = case_view(case)
    case.certified_by = office.name if office is not None else principal.name
    case.certified_at = today()
    set_state(session, case, PetitionState.closed, principal.name, reason)
    case.updated_at = utcnow()
    old, new = diff(before, case_view(case))
    await record_change(
        session,
        principal,
        EventType.petition_case_closed,
        "petition_case",
        case.id,
        data=wf.PetitionCaseClosed(**event_data(case), changes=sorted(new), via="closure"),
        before=old,
        after={**new, "reason": reason},
        org_path=case.locality_path,
    )


def _state_change(case: PetitionCase, data: CasePatch, principal: Principal) -> PetitionState | None:
    """The target state when the patch changes it, after checking the rules."""
    if "state" not in data.model_fields_set or data.state is None or data.state == case.state:
        return None
    current, target = PetitionState(case.state), data.state
    if principal.role == Role.unit_operator and PetitionState.closed in (current, target):
        raise FORBIDDEN.error(
            message="办结须经上级部门认定，由督察整改办登记", message_en="Certified closure is recorded by the office"
        )
    reopening = current == PetitionState.closed or target == PetitionState.in_progress
    if reopening and not (data.reason and data.reason.strip()):
        raise invalid(
            "body.reason",
            "required when reopening",
            f"从“{PETITION_STATE_TEXT[current]}”改为“{PETITION_STATE_TEXT[target]}”须说明原因",
            f"Going from {current.value} back to {target.value} needs a reason",
        )
    return target


async def patch_case(session: AsyncSession, principal: Principal, case_id: int, data: CasePatch) -> PetitionCase:
    case = await repository.get(session, case_id, principal.scope, for_update=True)
    if case is None:
        raise not_found("信访件", "Petition case")
    assert case.id is not None
    fields = data.model_fields_set
    if not fields:
        raise invalid("body", "empty", "没有要修改的字段", "Nothing to change")
    if principal.role == Role.unit_operator and fields - UNIT_FIELDS:
        raise FORBIDDEN.error(
            message="责任单位只能填报核查、处理和整改情况",
            message_en="A unit reports findings, handling and accountability only",
            details=[{"field": f"body.{f}", "reason": "office only"} for f in sorted(fields - UNIT_FIELDS)],
        )
    for name in ("content", "locality_org_id", "pollution_types", "key_attention"):
        if name in fields and getattr(data, name) is None:
            raise invalid(f"body.{name}", "cannot be null", f"{name}不能为空", f"{name} cannot be null")
    target = _state_change(case, data, principal)
    if target == PetitionState.closed and await _closes_by_writeoff(session, case.round_id):
        raise CLOSURE_REQUIRED.error(details=[{"field": "body.state", "reason": "policy writeoff"}])
    await _check_links(session, principal, case.round_id, data)
    await pollution.check_codes(session, data.pollution_types, "body.pollution_types")
    if data.repeat_of_id is not None and data.repeat_of_id == case.id:
        raise invalid("body.repeat_of_id", "itself", "信访件不能重复自身", "A case cannot repeat itself")
    ids = [i for i in (data.locality_org_id, data.responsible_org_id) if i is not None]
    orgs = await orgs_exist(session, principal, ids, "body.locality_org_id") if ids else {}
    before = case_view(case)
    simple = fields - {"state", "reason", "locality_org_id", "responsible_org_id"}
    for name, value in data.model_dump(include=simple).items():
        setattr(case, name, value)
    if "locality_org_id" in fields and data.locality_org_id is not None:
        case.locality_org_id, case.locality_path = data.locality_org_id, orgs[data.locality_org_id].path
    if "responsible_org_id" in fields:
        org = orgs.get(data.responsible_org_id) if data.responsible_org_id is not None else None
        case.responsible_org_id, case.responsible_path = data.responsible_org_id, org.path if org else None
    if target is not None:
        if target == PetitionState.closed and not (case.certified_by and case.certified_at and case.verdict):
            raise invalid(
                "body.certified_by",
                "closure needs certified_by, certified_at and a verdict",
                "办结须有上级部门认定（认定单位、认定日期）和核查结论（是否属实）",
                "Closing needs the certifying department (certified_by, certified_at) and a verdict",
            )
        set_state(session, case, target, principal.name, data.reason)
    old, new = diff(before, case_view(case))
    if not new and not old:
        return case
    case.updated_at = utcnow()
    closed = target == PetitionState.closed
    model = wf.PetitionCaseClosed if closed else wf.PetitionCaseUpdated
    await record_change(
        session,
        principal,
        EventType.petition_case_closed if closed else EventType.petition_case_updated,
        "petition_case",
        case.id,
        data=model(**event_data(case), changes=sorted(new)),
        before=old,
        after={**new, **({"reason": data.reason} if target is not None else {})},
        org_path=case.locality_path,
    )
    return case
