"""The closure workflow (验收 → 公示 → 销号): each step checks role, scope and state, leaves a
`closure_step`, an outbox event and an audit record, and moves the issue's status where the
workflow says (acceptance: completed*, an upheld objection: in_progress, write-off: closed)."""

from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import load_calendar
from rectify_shared.closure_workflow import allowed_from, publicity_end
from rectify_shared.enums import CLOSURE_STATE_TEXT, ClosureState, IssueStatus
from rectify_shared.events import EventType, payload_model
from rectify_shared.events import workflow as wf
from rectify_shared.models import Closure, ClosureStep, Issue, Org
from rectify_shared.models.types import utcnow
from rectify_shared.status import workflow_allows
from rectify_shared.timezone import today

from ..auth.principal import Principal, Role
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import ApiError, invalid, not_found
from ..issues import repository as issues
from ..issues.closable import assert_closable
from ..issues.service import record_status_change
from ..orgs import repository as orgs
from ..outbox.change import record_change
from . import repository
from .errors import CLOSURE_EXISTS, ILLEGAL_TRANSITION, NOT_APPLICABLE, NOTICE_RUNNING, OBJECTIONS_PENDING
from .parties import check_not_applicant, parties_of, reviewer_of
from .policy import policy_for
from .schemas import AcceptBody, ClosureCreate, PublicityBody, RejectBody, ReviewBody
from .targets import Target, applicable_case, of_closure

S = ClosureState
_APPLICABLE = (IssueStatus.in_progress, IssueStatus.completed, IssueStatus.completed_long_term)


def state_conflict(closure: Closure, action_zh: str, action_en: str) -> ApiError:
    current = ClosureState(closure.state)
    return ILLEGAL_TRANSITION.error(
        closure_state_text_current=CLOSURE_STATE_TEXT[current],
        action_zh=action_zh,
        current_value=current.value,
        action_en=action_en,
        details=[{"field": "state", "reason": current.value}],
    )


def not_yours(message: str, message_en: str) -> ApiError:
    return FORBIDDEN.error(message=message, message_en=message_en)


def _acts_for(principal: Principal, org_id: int, org_path: str) -> bool:
    """A unit acts for exactly its own org; an office for any org in its subtree."""
    if principal.role == Role.unit_operator:
        return principal.org_id == org_id
    return principal.role == Role.office_admin and principal.subtree.contains(org_path)


async def step_due(session: AsyncSession, round_id: int, org_path: str) -> date:
    """The next step's due day, in working days of the closure's org (its calendar overrides too)."""
    policy = await policy_for(session, round_id)
    cal = await load_calendar(session, org_path)
    return cal.nth_workday_after(today(), policy.step_working_days).day


async def move(
    session: AsyncSession,
    principal: Principal,
    closure: Closure,
    action: str,
    to: ClosureState,
    *,
    event: EventType,
    comment: str | None = None,
    level: int | None = None,
    org_id: int | None = None,
    extra: dict[str, Any] | None = None,
    first: bool = False,
) -> None:
    """Record one act: the state, a history step, an event and an audit record."""
    assert closure.id is not None
    before = None if first else closure.state
    now = utcnow()
    closure.state, closure.updated_at = to, now
    session.add(
        ClosureStep(
            closure_id=closure.id,
            action=action,
            from_state=before,
            to_state=to,
            level=level,
            org_id=org_id,
            actor=principal.name,
            actor_org_id=principal.org_id if principal.kind != "system" else None,
            comment=comment,
            at=now,
        )
    )
    step: type[wf.ClosureStep] = payload_model(event)
    data = step(
        id=closure.id,
        issue_id=closure.issue_id,
        petition_case_id=closure.petition_case_id,
        round_id=closure.round_id,
        from_=before,
        to_=to,
        comment=comment,
        **({"level": level, "org_id": org_id} if level is not None else {}),
        **(extra or {}),
    )
    await record_change(
        session, principal, event, "closure", closure.id, data=data, before={"state": before}, org_path=closure.org_path
    )


def set_issue_status(
    issue: Issue | None, session: AsyncSession, target: IssueStatus, actor: str, reason: str | None
) -> None:
    """Move the issue's status; a petition case's closure (no issue) moves none."""
    if issue is None:
        return
    current = IssueStatus(issue.status)
    if current == target:
        return
    if not workflow_allows(current, target):  # the transition table guards the workflow too
        raise ILLEGAL_TRANSITION.error(
            message="问题当前状态不允许此操作",
            message_en=f"The issue is {current.value}; the workflow cannot move it to {target.value}",
        )
    record_status_change(session, issue, target, actor, reason, utcnow())


async def locked(session: AsyncSession, closure_id: int, principal: Principal) -> tuple[Closure, Target]:
    closure = await repository.get(session, closure_id, principal.scope, for_update=True)
    if closure is None:
        raise not_found("销号申请", "Closure")
    return closure, await of_closure(session, closure, principal)


async def _applicable_issue(session: AsyncSession, issue_id: int, principal: Principal) -> Issue:
    """The one place that decides whether an issue may apply for 销号 (status, withdrawal)."""
    issue = await issues.get(session, issue_id, principal.scope, for_update=True)
    if issue is None or issue.id is None:
        raise invalid("body.issue_id", "no such issue in your scope", "问题不存在", "No such issue in your scope")
    if issue.withdrawn_at is not None or issue.status not in _APPLICABLE:
        raise NOT_APPLICABLE.error(details=[{"field": "body.issue_id", "reason": f"status {issue.status}"}])
    await assert_closable(session, issue)  # every measure completed or waived
    return issue


async def apply(session: AsyncSession, data: ClosureCreate, principal: Principal) -> Closure:
    if data.issue_id is not None:
        target = Target(issue=await _applicable_issue(session, data.issue_id, principal))
        field = "body.issue_id"
    else:
        assert data.petition_case_id is not None
        target = Target(case=await applicable_case(session, data.petition_case_id, principal))
        field = "body.petition_case_id"
    lead = await orgs.get(session, target.lead_org_id)
    assert lead is not None and lead.id is not None
    applicant = principal.org_id if principal.role == Role.unit_operator else lead.id
    parties = await parties_of(session, target.round_id, lead, applicant)
    levels = [{"kind": kind, "org_id": node.id, "org_name": node.name} for kind, node in parties.levels]
    closure = await repository.for_target(session, target.issue, target.case)
    due = await step_due(session, target.round_id, lead.path)
    if closure is None:
        closure = Closure(
            issue_id=target.issue.id if target.issue else None,
            petition_case_id=target.case.id if target.case else None,
            round_id=target.round_id,
            org_path=target.org_path,
            applicant_org_id=applicant,
            state=S.applied,
            statement=data.statement,
            levels=levels,
            applied_by=principal.name,
            step_due=due,
        )
        session.add(closure)
        await session.flush()
        first = True
    elif closure.state in allowed_from("apply"):
        first = False
        closure.applicant_org_id, closure.statement, closure.levels = applicant, data.statement, levels
        closure.accepted_levels, closure.step_due, closure.applied_by = 0, due, principal.name
        closure.applied_at = utcnow()
        closure.publicity_start = closure.publicity_end = None
    else:
        raise CLOSURE_EXISTS.error(
            closure_state_text_closurestate_closure_=CLOSURE_STATE_TEXT[ClosureState(closure.state)],
            closure_state=closure.state,
            details=[{"field": field, "reason": f"closure {closure.id} is {closure.state}"}],
        )
    assert closure.id is not None
    if data.attachment_ids:
        from ..attachments.service import link

        await link(session, principal, data.attachment_ids, "closure", closure.id, "body.attachment_ids")
    await move(
        session,
        principal,
        closure,
        "apply",
        S.applied if first else S.under_review,
        event=EventType.closure_applied,
        comment=data.statement,
        org_id=applicant,
        first=first,
    )
    return closure


async def review(session: AsyncSession, closure_id: int, data: ReviewBody, principal: Principal) -> Closure:
    closure, target = await locked(session, closure_id, principal)
    if closure.state not in allowed_from("review"):
        raise state_conflict(closure, "审核", "be reviewed")
    org = await reviewer_of(session, closure, target.lead_org_id)
    assert org.id is not None
    if not _acts_for(principal, org.id, org.path):
        raise not_yours(f"销号申请由{org.name}审核", f"{org.name} reviews the application")
    check_not_applicant(closure, principal, "审核", "review")
    if data.approve:
        closure.step_due = await step_due(session, closure.round_id, closure.org_path)
        await move(
            session, principal, closure, "review", S.accepting, event=EventType.closure_reviewed, comment=data.comment,
            org_id=org.id,
        )  # fmt: skip
    else:
        closure.last_reason = data.comment
        await move(
            session, principal, closure, "review", S.rejected, event=EventType.closure_rejected, comment=data.comment,
            org_id=org.id,
        )  # fmt: skip
    return closure


async def accept(session: AsyncSession, closure_id: int, data: AcceptBody, principal: Principal) -> Closure:
    closure, target = await locked(session, closure_id, principal)
    issue = target.issue
    if closure.state not in allowed_from("accept"):
        raise state_conflict(closure, "验收", "be accepted")
    n = closure.accepted_levels
    level = closure.levels[n]
    org = await orgs.get(session, int(level["org_id"]))
    assert org is not None and org.id is not None
    if not _acts_for(principal, org.id, org.path):
        raise not_yours(f"第{n + 1}级验收由{org.name}负责", f"Acceptance level {n + 1} belongs to {org.name}")
    check_not_applicant(closure, principal, "验收", "accept")
    closure.accepted_levels = n + 1
    last = closure.accepted_levels == len(closure.levels)
    if last:
        closure.step_due = None
        if issue is not None:  # a petition case has no status for acceptance: it stays open until write-off
            await assert_closable(session, issue)  # never a completed problem over open measures
            status = IssueStatus.completed_long_term if issue.long_term else IssueStatus.completed
            if issue.long_term and issue.attestation_cycle is None:  # the round's cycle, from acceptance on
                issue.attestation_cycle = (await policy_for(session, closure.round_id)).attestation_cycle
            set_issue_status(issue, session, status, principal.name, f"销号验收通过（{org.name}）")
    else:
        closure.step_due = await step_due(session, closure.round_id, closure.org_path)
    await move(
        session,
        principal,
        closure,
        "accept",
        S.accepted if last else S.accepting,
        event=EventType.closure_accepted,
        comment=data.comment,
        level=n + 1,
        org_id=org.id,
        extra={"levels": len(closure.levels)},
    )
    return closure


async def reject(session: AsyncSession, closure_id: int, data: RejectBody, principal: Principal) -> Closure:
    """Any step sends the application back to the unit, with a reason."""
    closure, target = await locked(session, closure_id, principal)
    issue = target.issue
    if closure.state not in allowed_from("reject"):
        raise state_conflict(closure, "退回", "be rejected")
    # who holds the step may reject: the lead unit while it is reviewed, the level's org while accepting
    holder_id = (await reviewer_of(session, closure, target.lead_org_id)).id or 0
    if closure.state == S.accepting:
        holder_id = int(closure.levels[closure.accepted_levels]["org_id"])
    holder = await orgs.get(session, holder_id)
    assert holder is not None
    office = principal.role == Role.office_admin and principal.subtree.contains(closure.org_path)
    if not (office or _acts_for(principal, holder_id, holder.path)):
        raise not_yours(f"当前环节由{holder.name}办理", f"This step belongs to {holder.name}")
    if closure.state == S.accepted:
        set_issue_status(issue, session, IssueStatus.in_progress, principal.name, data.reason)
    closure.last_reason, closure.step_due = data.reason, None
    await move(session, principal, closure, "reject", S.rejected, event=EventType.closure_rejected, comment=data.reason)
    return closure


async def _issuer(session: AsyncSession, org_id: int | None, principal: Principal) -> int | None:
    """The org issuing a notice: any org in the caller's scope (None: the round's office)."""
    if org_id is None:
        return None
    org = await session.get(Org, org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise invalid(
            "issuer_org_id",
            "out_of_scope",
            "发布单位须为本单位管辖范围内的单位",
            "The issuing org must be an org in your scope",
        )
    return org_id


async def start_publicity(session: AsyncSession, closure_id: int, data: PublicityBody, principal: Principal) -> Closure:
    closure, _ = await locked(session, closure_id, principal)
    if closure.state not in allowed_from("publicity"):
        raise state_conflict(closure, "公示", "start its notice")
    policy = await policy_for(session, closure.round_id)
    days = data.days if data.days is not None else policy.publicity_days
    day_kind = data.day_kind if data.day_kind is not None else policy.publicity_day_kind
    if data.days_shown == "working" and day_kind == "calendar":
        raise invalid(
            "days_shown",
            "calendar_period",
            "按自然日计算的公示期不能以工作日表述",
            "A period counted in calendar days cannot be shown in working days",
        )
    issuer_id = await _issuer(session, data.issuer_org_id, principal)
    cal = await load_calendar(session, closure.org_path)
    end, provisional = publicity_end(cal, data.start, days, day_kind)
    closure.publicity_start, closure.publicity_end, closure.publicity_days = data.start, end, days
    closure.publicity_day_kind, closure.publicity_medium, closure.publicity_contact = (
        day_kind,
        data.medium,
        data.contact,
    )
    closure.publicity_legal_basis, closure.publicity_issuer_org_id = data.legal_basis, issuer_id
    closure.publicity_contacts = [line.model_dump() for line in data.contacts] or None
    closure.publicity_attachment_title, closure.publicity_closing = data.attachment_title, data.closing
    closure.publicity_days_shown = data.days_shown
    closure.publicity_provisional, closure.step_due = provisional, end
    await move(
        session,
        principal,
        closure,
        "publicity",
        S.in_publicity,
        event=EventType.closure_publicity_started,
        comment=data.medium,
        extra={"start": data.start.isoformat(), "end": end.isoformat(), "days": days, "day_kind": day_kind},
    )
    return closure


async def write_off(session: AsyncSession, closure_id: int, comment: str | None, principal: Principal) -> Closure:
    from ..objections.repository import pending_count

    closure, target = await locked(session, closure_id, principal)
    if closure.state not in allowed_from("writeoff"):
        raise state_conflict(closure, "销号", "be written off")
    assert closure.id is not None and closure.publicity_end is not None
    if today() <= closure.publicity_end:
        raise NOTICE_RUNNING.error(closure_publicity_end_isoformat=closure.publicity_end.isoformat())
    if await pending_count(session, closure.id):
        raise OBJECTIONS_PENDING.error()
    reason = comment or "公示期满无异议，销号"
    if target.case is not None:
        from ..petitions.service import close_by_writeoff

        await close_by_writeoff(session, principal, target.case, reason)
    set_issue_status(target.issue, session, IssueStatus.closed, principal.name, reason)
    closure.written_off_at, closure.written_off_by, closure.step_due = utcnow(), principal.name, None
    await move(
        session, principal, closure, "writeoff", S.written_off, event=EventType.closure_written_off, comment=comment
    )
    return closure
