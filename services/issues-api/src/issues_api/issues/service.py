"""Ledger writes: issues and their measures. Every change leaves history and an outbox event."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ISSUE_STATUS_TEXT, IssueStatus
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import Issue, IssueOrg, IssueStatusChange, Measure, Org, OutboxEvent
from rectify_shared.models.types import utcnow
from rectify_shared.status import UNIT_ISSUE_TRANSITIONS, allowed_targets, is_allowed, needs_reason, unit_may_move_issue

from ..audit.writer import diff, record_audit
from ..auth.principal import Principal, Role
from ..calendar.service import deadline_setting
from ..closures.policy import policy_for
from ..core.error_catalogue import FORBIDDEN, INVALID_INPUT
from ..core.errors import ApiError, invalid, not_found
from ..orgs import repository as orgs
from ..outbox.change import record_change
from ..outbox.writer import record_event
from ..rounds import repository as rounds
from . import repository
from .closable import measure_label, open_measures
from .deadlines import apply_deadline
from .errors import ILLEGAL_TRANSITION, MEASURES_OPEN, SEQ_TAKEN, WITHDRAWN
from .history import occurred_on_checked
from .links import MEASURE_ROLE
from .schemas import (
    IssueCreate,
    IssuePatch,
)
from .status_change import issue_event_data as _issue_event_data
from .status_change import move_issue, org_link_values


def withdrawn_conflict(what_zh: str, what_en: str) -> ApiError:
    return WITHDRAWN.error(what_zh=what_zh, what_en=what_en)


async def orgs_exist(session: AsyncSession, principal: Principal, ids: Sequence[int], field: str) -> dict[int, Org]:
    """The orgs, all of them within the caller's subtree (others are reported as missing)."""
    found = {
        k: o for k, o in (await orgs.get_many(session, list(set(ids)))).items() if principal.subtree.contains(o.path)
    }
    missing = sorted(set(ids) - found.keys())
    if missing:
        raise INVALID_INPUT.error(
            message="单位不存在",
            message_en="Org does not exist",
            details=[{"field": field, "reason": f"no such org: {m}"} for m in missing],
        )
    return found


def _audit_view(issue: Issue) -> dict[str, Any]:
    """The audited fields of an issue (JSON-ready)."""
    return {
        "seq": issue.seq,
        "display_no": issue.display_no,
        "category": issue.category,
        "description": issue.description,
        "goal": issue.goal,
        "lead_org_id": issue.lead_org_id,
        "responsible_leader": issue.responsible_leader,
        "deadline": issue.deadline.isoformat() if issue.deadline else None,
        "deadline_rule": issue.deadline_rule,
        "long_term": issue.long_term,
        "attestation_cycle": issue.attestation_cycle,
        "status": issue.status,
        "on_schedule": issue.on_schedule,
    }


async def set_issue_orgs(
    session: AsyncSession, issue: Issue, lead: Org, responsible: Sequence[Org], *, replace: bool = True
) -> None:
    """Replace the issue's lead and responsible links (its `measure` links stay); `replace=False`
    for an issue not yet linked (no query). The lead may be among the responsible units too, as
    台账 write it; a unit named twice is linked once."""
    assert issue.id is not None and lead.id is not None
    shown = IssueOrg.__table__.select().where(IssueOrg.issue_id == issue.id, IssueOrg.role != MEASURE_ROLE)
    for link in (await session.execute(shown)).all() if replace else ():
        await session.execute(
            IssueOrg.__table__.delete().where(
                (IssueOrg.issue_id == link.issue_id) & (IssueOrg.org_id == link.org_id) & (IssueOrg.role == link.role)
            )
        )
    session.add_all([IssueOrg(**link) for link in org_link_values(issue.id, lead, list(responsible))])


async def create_issue(session: AsyncSession, data: IssueCreate, principal: Principal) -> Issue:
    actor = principal.name
    if await rounds.get_visible(session, principal, data.round_id) is None:
        raise invalid("body.round_id", "no such round", "督察轮次不存在", "Inspection round does not exist")
    found = await orgs_exist(session, principal, [data.lead_org_id, *data.responsible_org_ids], "body.lead_org_id")
    seq = data.seq
    if seq is None:
        seq = await repository.next_seq(session, data.round_id)
    elif await repository.seq_taken(session, data.round_id, seq):
        raise SEQ_TAKEN.error(seq=seq, details=[{"field": "body.seq", "reason": "taken"}])
    lead = found[data.lead_org_id]
    setting = await deadline_setting(session, data.deadline, data.deadline_rule, lead.path)
    occurred_on = await occurred_on_checked(session, principal, data.round_id, data.occurred_on)
    now = utcnow()
    issue = Issue(
        round_id=data.round_id,
        seq=seq,
        display_no=data.display_no,
        category=data.category,
        description=data.description,
        goal=data.goal,
        lead_org_id=data.lead_org_id,
        org_path=lead.path,
        responsible_leader=data.responsible_leader.model_dump(mode="json") if data.responsible_leader else None,
        deadline=setting.deadline,
        original_deadline=setting.deadline,
        deadline_rule=setting.rule,
        deadline_provisional=setting.provisional,
        deadline_text=setting.text,
        deadline_precision=setting.precision,
        long_term=data.long_term,
        attestation_cycle=data.attestation_cycle,
        status=IssueStatus.not_started,
        occurred_on=occurred_on,
        created_at=now,
        updated_at=now,
    )
    session.add(issue)
    await session.flush()
    assert issue.id is not None
    await set_issue_orgs(session, issue, lead, [found[i] for i in dict.fromkeys(data.responsible_org_ids)])
    session.add(
        IssueStatusChange(
            issue_id=issue.id,
            from_status=None,
            to_status=issue.status,
            changed_by=actor,
            changed_at=now,
            occurred_on=occurred_on,
        )
    )
    await record_change(
        session,
        principal,
        EventType.issue_created,
        "issue",
        issue.id,
        data=ev.IssueCreated(**_issue_event_data(issue)),
        after={
            **_audit_view(issue),
            "responsible_org_ids": list(dict.fromkeys(data.responsible_org_ids)),
            "occurred_on": occurred_on.isoformat(),
        },
        org_path=issue.org_path,
    )
    return issue


async def live_issue(session: AsyncSession, issue_id: int, principal: Principal) -> Issue:
    """The issue, locked for change: 404 outside the caller's scope, 409 once withdrawn."""
    issue = await repository.get(session, issue_id, principal.scope, for_update=True)
    if issue is None:
        raise not_found("问题", "Issue")
    if issue.withdrawn_at is not None:
        raise withdrawn_conflict("问题", "issue")
    assert issue.id is not None
    return issue


def record_status_change(
    session: AsyncSession,
    issue: Issue,
    target: IssueStatus,
    actor: str,
    reason: str | None,
    now: datetime,
    *,
    occurred_on: date | None = None,
) -> None:
    """Move an issue to `target`: a status-change row, the side fields, and an `issue.status_changed` event.

    The one place a status changes: PATCH (after the transition table's check) and the closure
    workflow (acceptance, an upheld objection, write-off) both come through here. `occurred_on`:
    the day it happened (history the office records; checked by `history.occurred_on_checked`),
    else the day of `now`.
    """
    change, event = move_issue(issue, target, actor, reason, now, occurred_on)
    session.add(IssueStatusChange(**change))
    session.add(OutboxEvent(**event))


_UNIT_FIELDS = frozenset({"status", "reason"})


def _check_unit(issue: Issue, fields: set[str], principal: Principal) -> None:
    """The lead unit may start its problem (not_started → in_progress); the rest is the office's."""
    if principal.role == Role.office_admin:
        return
    if fields - _UNIT_FIELDS or issue.lead_org_id != principal.org_id:
        raise FORBIDDEN.error(
            message="牵头单位只能将本单位牵头的问题变更为“正在推进”，其他内容由整改办维护",
            message_en="The lead unit may only set its problem to in_progress; the office keeps the rest",
            details=[{"field": f"body.{f}", "reason": "office only"} for f in sorted(fields - _UNIT_FIELDS)],
        )


COMPLETED_STATUSES = frozenset({IssueStatus.completed, IssueStatus.completed_long_term})


async def _completing_over_open_measures(session: AsyncSession, issue: Issue, reason: str | None) -> list[int]:
    """A problem is completed when its measures are (completed, or waived by the office); over
    measures still open only the office's explicit override with a reason completes it. The ids
    it overrode (for the audit), or 409 naming them."""
    assert issue.id is not None
    still_open = await open_measures(session, issue.id)
    if still_open and not (reason and reason.strip()):
        raise MEASURES_OPEN.error(
            message="尚有整改措施未完成："
            + "、".join(measure_label(m) for m in still_open)
            + "；措施完成（或经整改办批准不再实施）后问题方可标记为已完成整改，"
            "整改办确需变更的，须在 reason 中说明原因",
            message_en=f"{len(still_open)} measure(s) are not completed (nor waived): "
            + ", ".join(str(m.id) for m in still_open)
            + "; complete them first, or the office overrides with a reason",
            details=[{"field": "body.reason", "reason": f"open measure: {m.id} ({m.status})"} for m in still_open],
        )
    return [m.id or 0 for m in still_open]


def _override(principal: Principal, target: IssueStatus, reason: str | None) -> bool:
    """The office overrides the transition table (never into 已销号), with a reason."""
    return principal.role == Role.office_admin and target != IssueStatus.closed and bool(reason and reason.strip())


async def patch_issue(session: AsyncSession, issue_id: int, data: IssuePatch, principal: Principal) -> Issue:
    actor = principal.name
    issue = await live_issue(session, issue_id, principal)
    assert issue.id is not None
    fields = data.model_fields_set
    if not fields:
        raise invalid("body", "empty", "没有要修改的字段", "Nothing to change")
    _check_unit(issue, set(fields), principal)
    changed: dict[str, Any] = {}
    now = utcnow()
    before_view = _audit_view(issue)
    occurred_on = None
    overridden_open: list[int] = []
    if "occurred_on" in fields:
        occurred_on = await occurred_on_checked(session, principal, issue.round_id, data.occurred_on)

    if "status" in fields and data.status is not None and data.status != issue.status:
        current, target = IssueStatus(issue.status), data.status
        unit_refused = principal.role != Role.office_admin and not unit_may_move_issue(current, target)
        if unit_refused or not (is_allowed(current, target) or _override(principal, target, data.reason)):
            targets = UNIT_ISSUE_TRANSITIONS.get(current, ()) if unit_refused else allowed_targets(current)
            allowed = [s.value for s in targets]
            closing_zh, closing_en = (
                ("；销号须经验收、公示流程", " Closure goes through the write-off workflow.")
                if target == IssueStatus.closed
                else ("", "")
            )
            allowed_zh = "、".join(ISSUE_STATUS_TEXT[IssueStatus(a)] for a in allowed) or "无"
            raise ILLEGAL_TRANSITION.error(
                message=f"不允许从“{ISSUE_STATUS_TEXT[current]}”变更为“{ISSUE_STATUS_TEXT[target]}”，"
                f"允许的目标状态：{allowed_zh}{closing_zh}",
                message_en=f"Illegal transition {current.value} → {target.value}; "
                f"allowed: {', '.join(allowed) or 'none'}."
                + closing_en
                + ("" if unit_refused or target == IssueStatus.closed else " The office may override with a reason."),
                details=[{"field": "body.status", "reason": f"allowed targets: {allowed}"}],
            )
        if needs_reason(current, target) and not (data.reason and data.reason.strip()):
            raise invalid(
                "body.reason",
                "required when reopening",
                "重新打开已完成的任务须说明原因",
                "Reopening a completed task needs a reason",
            )
        if target in COMPLETED_STATUSES:
            overridden_open = await _completing_over_open_measures(session, issue, data.reason)
        if target == IssueStatus.completed_long_term and issue.attestation_cycle is None:
            issue.attestation_cycle = (await policy_for(session, issue.round_id)).attestation_cycle
        record_status_change(session, issue, target, actor, data.reason, now, occurred_on=occurred_on)
        changed["status"] = {"from": current.value, "to": target.value}

    if "lead_org_id" in fields or "responsible_org_ids" in fields:
        if "lead_org_id" in fields and data.lead_org_id is None:
            raise invalid("body.lead_org_id", "required", "牵头单位不能为空", "The lead org cannot be empty")
        lead_id = data.lead_org_id if data.lead_org_id is not None else issue.lead_org_id
        current_links = await repository.orgs_of(session, [issue.id])
        resp_ids = (
            data.responsible_org_ids
            if data.responsible_org_ids is not None
            else [oid for role, oid, _ in current_links.get(issue.id, []) if role == "responsible"]
        )
        found = await orgs_exist(session, principal, [lead_id, *resp_ids], "body.responsible_org_ids")
        before_view["responsible_org_ids"] = [
            oid for role, oid, _ in current_links.get(issue.id, []) if role == "responsible"
        ]
        issue.lead_org_id = lead_id
        issue.org_path = found[lead_id].path
        await set_issue_orgs(session, issue, found[lead_id], [found[i] for i in dict.fromkeys(resp_ids)])
        changed["orgs"] = {"lead_org_id": lead_id, "responsible_org_ids": list(dict.fromkeys(resp_ids))}

    if "deadline" in fields or "deadline_rule" in fields:
        setting = await deadline_setting(
            session, data.deadline if "deadline" in fields else issue.deadline, data.deadline_rule, issue.org_path
        )
        changed.update(apply_deadline(session, "issue", issue, setting, data.deadline_reason, actor))

    for name in ("category", "display_no", "description", "goal", "long_term", "on_schedule", "attestation_cycle"):
        if name in fields:
            value = getattr(data, name)
            if name in ("category", "description", "long_term") and value is None:
                raise invalid(f"body.{name}", "cannot be null", f"{name}不能为空", f"{name} cannot be null")
            if name == "on_schedule" and value is not None and issue.status != IssueStatus.in_progress:
                raise invalid(
                    "body.on_schedule",
                    "only for in_progress",
                    "仅正在推进的任务有序时进度",
                    "Only in-progress work is on schedule or behind",
                )
            if getattr(issue, name) != value:
                changed[name] = value
                setattr(issue, name, value)
    if {"attestation_cycle", "long_term"} & fields and issue.attestation_cycle is not None and not issue.long_term:
        raise invalid(
            "body.attestation_cycle",
            "only for long_term tasks",
            "仅长期坚持的任务有复核周期",
            "Only long-term tasks have an attestation cycle",
        )
    if "responsible_leader" in fields:
        leader = data.responsible_leader.model_dump(mode="json") if data.responsible_leader else None
        if leader != issue.responsible_leader:
            changed["responsible_leader"] = leader
            issue.responsible_leader = leader

    if changed:
        issue.updated_at = now
        after_view = _audit_view(issue)
        if "orgs" in changed:
            after_view["responsible_org_ids"] = changed["orgs"]["responsible_org_ids"]
        old, new = diff(before_view, after_view)
        await record_audit(
            session,
            principal,
            "issue.updated",
            "issue",
            issue.id,
            before=old,
            after={
                **new,
                **({"reason": data.reason} if "status" in changed else {}),
                **({"occurred_on": occurred_on.isoformat()} if occurred_on and "status" in changed else {}),
                # completed over measures still open: the office's override, with its reason
                **({"open_measure_ids": overridden_open} if overridden_open else {}),
            },
            org_path=issue.org_path,
        )
        other = {k: v for k, v in changed.items() if k != "status"}
        if other:
            record_event(
                session,
                EventType.issue_updated,
                "issue",
                issue.id,
                ev.IssueUpdated(**_issue_event_data(issue), changes=other),
                org_path=issue.org_path,
            )
    return issue


def mark_withdrawn(row: Issue | Measure, principal: Principal, reason: str) -> dict[str, Any]:
    """Withdraw a mistaken row (kept, never destroyed); returns the audit's `after`."""
    now = utcnow()
    row.withdrawn_at, row.withdrawn_by, row.withdrawn_reason, row.updated_at = now, principal.name, reason, now
    return {"withdrawn_at": now.isoformat(), "reason": reason}


async def withdraw_issue(session: AsyncSession, issue_id: int, reason: str, principal: Principal) -> Issue:
    issue = await live_issue(session, issue_id, principal)
    assert issue.id is not None
    after = mark_withdrawn(issue, principal, reason)
    await record_change(
        session,
        principal,
        EventType.issue_withdrawn,
        "issue",
        issue.id,
        data=ev.IssueWithdrawn(**_issue_event_data(issue), reason=reason),
        before={"withdrawn_at": None},
        after=after,
        org_path=issue.org_path,
    )
    return issue
