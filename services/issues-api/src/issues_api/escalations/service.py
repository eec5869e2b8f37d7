"""People's acts on escalations: the office issues or withdraws them (or issues one by hand),
the unit responds. Who may act, and the audit, are decided here; the row itself changes only
through `rectify_shared.escalation_state`, the module the notifier's scan writes through too."""

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import escalation_state as states
from rectify_shared.escalation_policy import LEVEL_TEXT, Level
from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType
from rectify_shared.events import workflow as wf
from rectify_shared.events.workflow import EscalationData
from rectify_shared.models import Escalation, InspectionRound
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..auth.principal import Principal, Role
from ..calendar.repository import load_calendar
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import invalid, not_found
from ..core.pagination import decode_cursor, page_of
from ..issues import repository as issues
from ..orgs import repository as orgs
from ..outbox.change import record_change
from . import letter, repository
from .errors import ILLEGAL_TRANSITION
from .schemas import EscalationCreate, EscalationRead, IssueAct, RespondAct, State


def read(e: Escalation) -> EscalationRead:
    return EscalationRead(**e.model_dump(), level_text=LEVEL_TEXT[Level(e.level)])


def _event_data(e: Escalation) -> dict[str, Any]:
    """The escalation events' one shape (`rectify_shared.events.workflow.EscalationData`), the
    same the notifier's scan writes: its key list is the model's."""
    return {name: getattr(e, name) for name in EscalationData.model_fields}


@dataclass(frozen=True)
class EscalationFilter:
    org_id: int | None = None
    level: Level | None = None
    state: State | None = None
    issue_id: int | None = None


async def list_page(
    session: AsyncSession, principal: Principal, f: EscalationFilter, limit: int, cursor: str | None
) -> tuple[list[Escalation], str | None]:
    """A page of the escalations in the caller's scope (proposed ones to the office only), newest first."""
    org_id, level, state, issue_id = f.org_id, f.level, f.state, f.issue_id
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
    return page_of(rows, limit, "-id", lambda e: (e.id, e.id or 0))


async def get_visible(session: AsyncSession, principal: Principal, escalation_id: int) -> Escalation:
    e = await repository.get(session, principal.scope, escalation_id, drafts=repository.sees_proposed(principal.role))
    if e is None:
        raise not_found("督办事项", "Escalation")
    return e


async def _load(session: AsyncSession, principal: Principal, escalation_id: int, act: str) -> Escalation:
    drafts = repository.sees_proposed(principal.role)
    e = await repository.get(session, principal.scope, escalation_id, for_update=True, drafts=drafts)
    if e is None:
        raise not_found("督办事项", "Escalation")
    try:
        states.check(e, act)
    except states.IllegalTransition as exc:
        raise ILLEGAL_TRANSITION.error(
            states_state_text_e_state=states.STATE_TEXT[e.state],
            states_act_text_act=states.ACT_TEXT[act],
            state=e.state,
            act=act,
            join_exc_allowed_or_none=", ".join(exc.allowed) or "none",
            details=[{"field": "state", "reason": f"allowed acts: {exc.allowed}"}],
        ) from exc
    return e


async def issue(session: AsyncSession, principal: Principal, escalation_id: int, data: IssueAct) -> Escalation:
    e = await _load(session, principal, escalation_id, "issue")
    details = letter.check(data.letter, e.level, "body.letter")
    before = {"state": e.state}
    states.issue(
        e,
        by=principal.name,
        now=utcnow(),
        on=today(),
        doc_no=data.doc_no,
        reference=data.reference,
        response_due=data.response_due,
        letter=details,
    )
    await record_change(
        session,
        principal,
        EventType.escalation_issued,
        "escalation",
        e.id or 0,
        data=wf.EscalationIssued(**_event_data(e)),
        before=before,
        after={"state": e.state, "doc_no": e.doc_no},
        org_path=e.org_path,
    )
    return e


async def withdraw(session: AsyncSession, principal: Principal, escalation_id: int, reason: str) -> Escalation:
    e = await _load(session, principal, escalation_id, "withdraw")
    before = {"state": e.state}
    states.withdraw(e, reason=reason, now=utcnow())
    await record_change(
        session,
        principal,
        EventType.escalation_withdrawn,
        "escalation",
        e.id or 0,
        data=wf.EscalationWithdrawn(**{**_event_data(e), "reason": reason}),
        before=before,
        after={"state": e.state, "reason": reason},
        org_path=e.org_path,
    )
    return e


async def respond(session: AsyncSession, principal: Principal, escalation_id: int, data: RespondAct) -> Escalation:
    e = await _load(session, principal, escalation_id, "respond")
    if principal.role == Role.unit_operator and principal.org_id != e.addressed_org_id:
        # a unit sees escalations about its tasks but answers only those addressed to it
        raise FORBIDDEN.error(message="只有被督办单位可以回复", message_en="Only the addressed org may respond")
    before = {"state": e.state}
    states.respond(e, response=data.response, by=principal.name, now=utcnow())
    await record_change(
        session,
        principal,
        EventType.escalation_responded,
        "escalation",
        e.id or 0,
        data=wf.EscalationResponded(**_event_data(e)),
        before=before,
        after={"state": e.state, "response": e.response},
        org_path=e.org_path,
    )
    return e


async def create_by_hand(session: AsyncSession, principal: Principal, data: EscalationCreate) -> Escalation:
    details = letter.check(data.letter, data.level, "body.letter")
    task = await issues.get(session, data.issue_id, principal.scope)
    if task is None:
        raise invalid("body.issue_id", "no such issue", "问题不存在", "Issue does not exist")
    measure = None
    if data.measure_id is not None:
        measure = await issues.get_measure(session, data.measure_id, principal.scope)
        if measure is None or measure.issue_id != task.id:
            raise invalid(
                "body.measure_id", "no such measure of this issue", "整改措施不存在", "No such measure of this issue"
            )
    subject_org_id = (measure.responsible_org_id if measure else None) or task.lead_org_id
    addressed = await repository.org(session, data.addressed_org_id or subject_org_id)
    if addressed is None or not principal.subtree.contains(addressed.path):
        raise invalid(
            "body.addressed_org_id",
            "no such org in your scope",
            "被督办单位不存在或不在管辖范围内",
            "Addressed org does not exist in your scope",
        )
    rnd = await session.get(InspectionRound, task.round_id)
    issuer = rnd.office_org_id if rnd is not None else None
    if addressed.id == issuer:
        raise invalid(
            "body.addressed_org_id",
            "the issuer itself",
            "督办函不能发给签发单位自己",
            "A letter cannot address its issuer",
        )
    now = utcnow()
    as_of = today()
    due = data.response_due or (await load_calendar(session, addressed.path)).nth_workday_after(as_of, 5).day
    e = states.hand_letter(
        by=principal.name,
        now=now,
        on=as_of,
        round_id=task.round_id,
        level=data.level,
        issue_id=task.id,
        measure_id=measure.id if measure else None,
        addressed_org_id=addressed.id or 0,
        addressed_person=task.responsible_leader if data.level == Level.summons else None,
        # on the addressed org's path: the org a letter is written to can read and answer it
        org_path=addressed.path,
        reason=data.reason,
        issuer_org_id=issuer,
        response_due=due,
        doc_no=data.doc_no,
        reference=data.reference,
        letter=details,
    )
    session.add(e)
    await session.flush()
    await record_change(
        session,
        principal,
        EventType.escalation_created,
        "escalation",
        e.id or 0,
        data=wf.EscalationCreated(**_event_data(e)),
        after={**wf.EscalationCreated(**_event_data(e)).dump(), "doc_no": e.doc_no},
        org_path=e.org_path,
    )
    await record_change(
        session,
        principal,
        EventType.escalation_issued,
        "escalation",
        e.id or 0,
        data=wf.EscalationIssued(**_event_data(e)),
        after={"state": EscalationState.issued},
        org_path=e.org_path,
    )
    return e
