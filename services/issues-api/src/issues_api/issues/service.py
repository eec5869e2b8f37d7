"""Ledger writes: issues and their measures. Every change leaves history and an outbox event."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ISSUE_STATUS_TEXT, DeadlineChangeKind, IssueStatus
from rectify_shared.models import DeadlineChange, Issue, IssueOrg, IssueStatusChange, Measure, Org
from rectify_shared.models.types import utcnow
from rectify_shared.status import allowed_targets, is_allowed, needs_reason

from ..audit.writer import diff, record_audit
from ..auth.principal import Principal
from ..calendar.service import DeadlineSetting, deadline_setting
from ..core.errors import ApiError, invalid, not_found
from ..orgs import repository as orgs
from ..orgs.schemas import OrgRef
from ..outbox.change import record_change
from ..outbox.writer import record_event
from ..rounds import repository as rounds
from . import repository
from .schemas import (
    IssueCreate,
    IssuePatch,
    IssueRead,
    IssueSummary,
    Leader,
    MeasureCreate,
    MeasurePatch,
    MeasureRead,
    Withdrawal,
)


def _withdrawal(row: Issue | Measure) -> Withdrawal | None:
    if row.withdrawn_at is None:
        return None
    return Withdrawal(
        withdrawn_at=row.withdrawn_at, withdrawn_by=row.withdrawn_by or "", reason=row.withdrawn_reason or ""
    )


def _withdrawn_conflict(what_zh: str, what_en: str) -> ApiError:
    return ApiError(409, "withdrawn", f"{what_zh}已撤回，不能修改", f"The {what_en} was withdrawn and cannot change")


async def _orgs_exist(session: AsyncSession, principal: Principal, ids: Sequence[int], field: str) -> dict[int, Org]:
    """The orgs, all of them within the caller's subtree (others are reported as missing)."""
    found = {
        k: o for k, o in (await orgs.get_many(session, list(set(ids)))).items() if principal.subtree.contains(o.path)
    }
    missing = sorted(set(ids) - found.keys())
    if missing:
        raise ApiError(
            422,
            "invalid_input",
            "单位不存在",
            "Org does not exist",
            [{"field": field, "reason": f"no such org: {m}"} for m in missing],
        )
    return found


def _issue_event_data(issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "round_id": issue.round_id,
        "seq": issue.seq,
        "status": issue.status,
        "deadline": issue.deadline.isoformat() if issue.deadline else None,
        "lead_org_id": issue.lead_org_id,
    }


def _audit_view(issue: Issue) -> dict[str, Any]:
    """The audited fields of an issue (JSON-ready)."""
    return {
        "seq": issue.seq,
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


def _measure_view(m: Measure) -> dict[str, Any]:
    return {
        "issue_id": m.issue_id,
        "seq": m.seq,
        "text": m.text,
        "responsible_org_id": m.responsible_org_id,
        "deadline": m.deadline.isoformat() if m.deadline else None,
        "deadline_rule": m.deadline_rule,
        "status": m.status,
    }


async def _set_orgs(session: AsyncSession, issue: Issue, lead: Org, responsible: Sequence[Org]) -> None:
    assert issue.id is not None and lead.id is not None
    for link in (await session.execute(IssueOrg.__table__.select().where(IssueOrg.issue_id == issue.id))).all():
        await session.execute(
            IssueOrg.__table__.delete().where(
                (IssueOrg.issue_id == link.issue_id) & (IssueOrg.org_id == link.org_id) & (IssueOrg.role == link.role)
            )
        )
    session.add(IssueOrg(issue_id=issue.id, org_id=lead.id, role="lead", org_path=lead.path))
    for org in responsible:
        assert org.id is not None
        session.add(IssueOrg(issue_id=issue.id, org_id=org.id, role="responsible", org_path=org.path))


async def create_issue(session: AsyncSession, data: IssueCreate, principal: Principal) -> Issue:
    actor = principal.name
    if await rounds.get_visible(session, principal, data.round_id) is None:
        raise invalid("body.round_id", "no such round", "督察轮次不存在", "Inspection round does not exist")
    found = await _orgs_exist(session, principal, [data.lead_org_id, *data.responsible_org_ids], "body.lead_org_id")
    seq = data.seq
    if seq is None:
        seq = await repository.next_seq(session, data.round_id)
    elif await repository.seq_taken(session, data.round_id, seq):
        raise ApiError(
            409,
            "seq_taken",
            f"本轮已有第{seq}号问题",
            f"Problem number {seq} already exists in this round",
            [{"field": "body.seq", "reason": "taken"}],
        )
    lead = found[data.lead_org_id]
    setting = await deadline_setting(session, data.deadline, data.deadline_rule)
    now = utcnow()
    issue = Issue(
        round_id=data.round_id,
        seq=seq,
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
        long_term=data.long_term,
        attestation_cycle=data.attestation_cycle,
        status=IssueStatus.not_started,
        created_at=now,
        updated_at=now,
    )
    session.add(issue)
    await session.flush()
    assert issue.id is not None
    await _set_orgs(session, issue, lead, [found[i] for i in dict.fromkeys(data.responsible_org_ids)])
    session.add(
        IssueStatusChange(issue_id=issue.id, from_status=None, to_status=issue.status, changed_by=actor, changed_at=now)
    )
    await record_change(
        session,
        principal,
        "issue.created",
        "issue",
        issue.id,
        data=_issue_event_data(issue),
        after={**_audit_view(issue), "responsible_org_ids": list(dict.fromkeys(data.responsible_org_ids))},
        org_path=issue.org_path,
    )
    return issue


def _record_deadline_change(
    session: AsyncSession,
    entity: str,
    entity_id: int,
    old: date | None,
    new: date | None,
    reason: str | None,
    actor: str,
) -> None:
    session.add(
        DeadlineChange(
            entity_type=entity,
            entity_id=entity_id,
            old_deadline=old,
            new_deadline=new,
            kind=DeadlineChangeKind.correction,
            reason=reason,
            changed_by=actor,
        )
    )


def _apply_deadline(
    session: AsyncSession, kind: str, row: Issue | Measure, setting: DeadlineSetting, reason: str | None, actor: str
) -> dict[str, Any]:
    """Set a row's deadline, rule and provisional flag; a moved deadline is a DeadlineChange."""
    assert row.id is not None
    changes: dict[str, Any] = {}
    if setting.deadline != row.deadline:
        _record_deadline_change(session, kind, row.id, row.deadline, setting.deadline, reason, actor)
        changes["deadline"] = {
            "from": row.deadline.isoformat() if row.deadline else None,
            "to": setting.deadline.isoformat() if setting.deadline else None,
        }
        if row.original_deadline is None:
            row.original_deadline = setting.deadline
        row.deadline = setting.deadline
    if setting.rule != row.deadline_rule:
        changes["deadline_rule"] = row.deadline_rule = setting.rule
    row.deadline_provisional = setting.provisional
    return changes


async def patch_issue(session: AsyncSession, issue_id: int, data: IssuePatch, principal: Principal) -> Issue:
    actor = principal.name
    issue = await repository.get(session, issue_id, principal.scope, for_update=True)
    if issue is None:
        raise not_found("问题", "Issue")
    if issue.withdrawn_at is not None:
        raise _withdrawn_conflict("问题", "issue")
    assert issue.id is not None
    fields = data.model_fields_set
    if not fields:
        raise invalid("body", "empty", "没有要修改的字段", "Nothing to change")
    changed: dict[str, Any] = {}
    now = utcnow()
    before_view = _audit_view(issue)

    if "status" in fields and data.status is not None and data.status != issue.status:
        current, target = IssueStatus(issue.status), data.status
        if not is_allowed(current, target):
            allowed = [s.value for s in allowed_targets(current)]
            closing_zh, closing_en = (
                ("；销号须经验收、公示流程", " Closure goes through the write-off workflow.")
                if target == IssueStatus.closed
                else ("", "")
            )
            allowed_zh = "、".join(ISSUE_STATUS_TEXT[IssueStatus(a)] for a in allowed) or "无"
            raise ApiError(
                409,
                "illegal_transition",
                f"不允许从“{ISSUE_STATUS_TEXT[current]}”变更为“{ISSUE_STATUS_TEXT[target]}”，"
                f"允许的目标状态：{allowed_zh}{closing_zh}",
                f"Illegal transition {current.value} → {target.value}; allowed: {', '.join(allowed) or 'none'}."
                + closing_en,
                [{"field": "body.status", "reason": f"allowed targets: {allowed}"}],
            )
        if needs_reason(current, target) and not (data.reason and data.reason.strip()):
            raise invalid(
                "body.reason",
                "required when reopening",
                "重新打开已完成的任务须说明原因",
                "Reopening a completed task needs a reason",
            )
        session.add(
            IssueStatusChange(
                issue_id=issue.id,
                from_status=current,
                to_status=target,
                changed_by=actor,
                changed_at=now,
                reason=data.reason,
            )
        )
        issue.status = target
        if target == IssueStatus.completed_long_term:
            issue.long_term = True
        if target != IssueStatus.in_progress:
            issue.on_schedule = None
        changed["status"] = {"from": current.value, "to": target.value}
        record_event(
            session,
            "issue.status_changed",
            "issue",
            issue.id,
            {**_issue_event_data(issue), "from": current.value, "to": target.value, "reason": data.reason},
            org_path=issue.org_path,
        )

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
        found = await _orgs_exist(session, principal, [lead_id, *resp_ids], "body.responsible_org_ids")
        before_view["responsible_org_ids"] = [
            oid for role, oid, _ in current_links.get(issue.id, []) if role == "responsible"
        ]
        issue.lead_org_id = lead_id
        issue.org_path = found[lead_id].path
        await _set_orgs(session, issue, found[lead_id], [found[i] for i in dict.fromkeys(resp_ids)])
        changed["orgs"] = {"lead_org_id": lead_id, "responsible_org_ids": list(dict.fromkeys(resp_ids))}

    if "deadline" in fields or "deadline_rule" in fields:
        setting = await deadline_setting(
            session, data.deadline if "deadline" in fields else issue.deadline, data.deadline_rule
        )
        changed.update(_apply_deadline(session, "issue", issue, setting, data.deadline_reason, actor))

    for name in ("category", "description", "goal", "long_term", "on_schedule", "attestation_cycle"):
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
            after={**new, **({"reason": data.reason} if "status" in changed else {})},
            org_path=issue.org_path,
        )
        other = {k: v for k, v in changed.items() if k != "status"}
        if other:
            record_event(
                session,
                "issue.updated",
                "issue",
                issue.id,
                {**_issue_event_data(issue), "changes": other},
                org_path=issue.org_path,
            )
    return issue


async def withdraw_issue(session: AsyncSession, issue_id: int, reason: str, principal: Principal) -> Issue:
    actor = principal.name
    issue = await repository.get(session, issue_id, principal.scope, for_update=True)
    if issue is None:
        raise not_found("问题", "Issue")
    if issue.withdrawn_at is not None:
        raise _withdrawn_conflict("问题", "issue")
    assert issue.id is not None
    now = utcnow()
    issue.withdrawn_at, issue.withdrawn_by, issue.withdrawn_reason, issue.updated_at = now, actor, reason, now
    await record_change(
        session,
        principal,
        "issue.withdrawn",
        "issue",
        issue.id,
        data={**_issue_event_data(issue), "reason": reason},
        before={"withdrawn_at": None},
        after={"withdrawn_at": now.isoformat(), "reason": reason},
        org_path=issue.org_path,
    )
    return issue


def _measure_read(m: Measure, org_names: dict[int, Org]) -> MeasureRead:
    assert m.id is not None
    org = org_names.get(m.responsible_org_id) if m.responsible_org_id else None
    return MeasureRead(
        id=m.id,
        issue_id=m.issue_id,
        seq=m.seq,
        position=m.position,
        text=m.text,
        responsible_org=OrgRef(id=org.id, name=org.name) if org and org.id else None,
        deadline=m.deadline,
        original_deadline=m.original_deadline,
        deadline_rule=m.deadline_rule,
        deadline_provisional=m.deadline_provisional,
        status=m.status,
        withdrawal=_withdrawal(m),
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


def summary_of(row: Any, links: list[tuple[str, int, str]]) -> IssueSummary:
    lead = next(((oid, name) for role, oid, name in links if role == "lead"), (row.lead_org_id, ""))
    return IssueSummary(
        id=row.id,
        round_id=row.round_id,
        seq=row.seq,
        category=row.category,
        description=row.description,
        status=row.status,
        status_text=ISSUE_STATUS_TEXT[IssueStatus(row.status)],
        on_schedule=row.on_schedule,
        long_term=row.long_term,
        deadline=row.deadline,
        original_deadline=row.original_deadline,
        # a list row carries only the columns `repository.LIST_COLUMNS` selects
        deadline_rule=row.deadline_rule,
        deadline_provisional=row.deadline_provisional,
        lead_org=OrgRef(id=lead[0], name=lead[1]),
        responsible_orgs=[OrgRef(id=oid, name=name) for role, oid, name in links if role == "responsible"],
        responsible_leader=Leader.model_validate(row.responsible_leader) if row.responsible_leader else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def read_issue(session: AsyncSession, issue: Issue) -> IssueRead:
    assert issue.id is not None
    links = (await repository.orgs_of(session, [issue.id])).get(issue.id, [])
    measures = await repository.measures_of(session, issue.id)
    org_ids = [m.responsible_org_id for m in measures if m.responsible_org_id]
    names = await orgs.get_many(session, org_ids)
    summary = summary_of(issue, links)
    return IssueRead(
        **summary.model_dump(),
        goal=issue.goal,
        attestation_cycle=issue.attestation_cycle,
        illustrative=issue.illustrative or [],
        withdrawal=_withdrawal(issue),
        allowed_transitions=list(allowed_targets(IssueStatus(issue.status))) if issue.withdrawn_at is None else [],
        measures=[_measure_read(m, names) for m in measures if m.withdrawn_at is None],
    )


async def read_measure(session: AsyncSession, m: Measure) -> MeasureRead:
    names = await orgs.get_many(session, [m.responsible_org_id] if m.responsible_org_id else [])
    return _measure_read(m, names)


async def _live_issue(session: AsyncSession, issue_id: int, principal: Principal) -> Issue:
    issue = await repository.get(session, issue_id, principal.scope, for_update=True)
    if issue is None:
        raise not_found("问题", "Issue")
    if issue.withdrawn_at is not None:
        raise _withdrawn_conflict("问题", "issue")
    return issue


async def create_measure(session: AsyncSession, issue_id: int, data: MeasureCreate, principal: Principal) -> Measure:
    issue = await _live_issue(session, issue_id, principal)
    assert issue.id is not None
    org_path = issue.org_path
    if data.responsible_org_id is not None:
        org = (await _orgs_exist(session, principal, [data.responsible_org_id], "body.responsible_org_id"))[
            data.responsible_org_id
        ]
        org_path = org.path
    position, next_seq = await repository.next_measure_numbers(session, issue.id)
    seq = data.seq if "seq" in data.model_fields_set else next_seq
    setting = await deadline_setting(session, data.deadline, data.deadline_rule)
    now = utcnow()
    measure = Measure(
        issue_id=issue.id,
        seq=seq,
        position=position,
        text=data.text,
        responsible_org_id=data.responsible_org_id,
        org_path=org_path,
        deadline=setting.deadline,
        original_deadline=setting.deadline,
        deadline_rule=setting.rule,
        deadline_provisional=setting.provisional,
        status=data.status,
        created_at=now,
        updated_at=now,
    )
    session.add(measure)
    await session.flush()
    assert measure.id is not None
    issue.updated_at = now
    await record_change(
        session,
        principal,
        "measure.created",
        "measure",
        measure.id,
        data={"id": measure.id, "issue_id": issue.id, "seq": seq, "status": measure.status},
        after=_measure_view(measure),
        org_path=org_path,
    )
    return measure


async def patch_measure(session: AsyncSession, measure_id: int, data: MeasurePatch, principal: Principal) -> Measure:
    actor = principal.name
    measure = await repository.get_measure(session, measure_id, principal.scope, for_update=True)
    if measure is None:
        raise not_found("整改措施", "Measure")
    if measure.withdrawn_at is not None:
        raise _withdrawn_conflict("整改措施", "measure")
    assert measure.id is not None
    fields = data.model_fields_set
    changes: dict[str, Any] = {}
    before_view = _measure_view(measure)
    if "text" in fields:
        if data.text is None:
            raise invalid("body.text", "cannot be null", "措施内容不能为空", "text cannot be null")
        if data.text != measure.text:
            measure.text = changes["text"] = data.text
    if "status" in fields:
        if data.status is None:
            raise invalid("body.status", "cannot be null", "状态不能为空", "status cannot be null")
        if data.status != measure.status:
            changes["status"] = {"from": measure.status, "to": data.status}
            measure.status = data.status
    if "responsible_org_id" in fields and data.responsible_org_id != measure.responsible_org_id:
        if data.responsible_org_id is None:
            issue = await repository.get(session, measure.issue_id, principal.scope)
            assert issue is not None
            measure.org_path = issue.org_path
        else:
            org = (await _orgs_exist(session, principal, [data.responsible_org_id], "body.responsible_org_id"))[
                data.responsible_org_id
            ]
            measure.org_path = org.path
        measure.responsible_org_id = changes["responsible_org_id"] = data.responsible_org_id
    if "deadline" in fields or "deadline_rule" in fields:
        setting = await deadline_setting(
            session, data.deadline if "deadline" in fields else measure.deadline, data.deadline_rule
        )
        changes.update(_apply_deadline(session, "measure", measure, setting, data.deadline_reason, actor))
    if changes:
        measure.updated_at = utcnow()
        old, new = diff(before_view, _measure_view(measure))
        await record_change(
            session,
            principal,
            "measure.updated",
            "measure",
            measure.id,
            data={"id": measure.id, "issue_id": measure.issue_id, "changes": changes},
            before=old,
            after=new,
            org_path=measure.org_path,
        )
    return measure


async def withdraw_measure(session: AsyncSession, measure_id: int, reason: str, principal: Principal) -> Measure:
    actor = principal.name
    measure = await repository.get_measure(session, measure_id, principal.scope, for_update=True)
    if measure is None:
        raise not_found("整改措施", "Measure")
    if measure.withdrawn_at is not None:
        raise _withdrawn_conflict("整改措施", "measure")
    assert measure.id is not None
    now = utcnow()
    measure.withdrawn_at, measure.withdrawn_by, measure.withdrawn_reason, measure.updated_at = now, actor, reason, now
    await record_change(
        session,
        principal,
        "measure.withdrawn",
        "measure",
        measure.id,
        data={"id": measure.id, "issue_id": measure.issue_id, "reason": reason},
        before={"withdrawn_at": None},
        after={"withdrawn_at": now.isoformat(), "reason": reason},
        org_path=measure.org_path,
    )
    return measure
