"""Ledger writes on measures (整改措施): numbered or unnumbered, with history and events."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import MEASURE_STATUS_TEXT, IssueStatus, MeasureStatus
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.history import day_of
from rectify_shared.models import AttachmentLink, InspectionRound, Issue, Measure, MeasureStatusChange, ProgressReport
from rectify_shared.models.types import utcnow
from rectify_shared.status import UNIT_MEASURE_TRANSITIONS, office_override_measure, unit_may_move_measure

from ..audit.writer import diff
from ..auth.principal import Principal, Role
from ..calendar.service import DeadlineSetting, deadline_setting
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import invalid, not_found
from ..outbox.change import record_change
from . import repository
from .deadlines import apply_deadline
from .errors import EVIDENCE_REQUIRED, ILLEGAL_TRANSITION
from .history import occurred_on_checked
from .links import sync_measure_links
from .schemas import MeasureCreate, MeasurePatch
from .service import (
    live_issue,
    mark_withdrawn,
    orgs_exist,
    record_status_change,
    withdrawn_conflict,
)


def _measure_view(m: Measure) -> dict[str, Any]:
    return {
        "issue_id": m.issue_id,
        "seq": m.seq,
        "text": m.text,
        "responsible_org_id": m.responsible_org_id,
        "deadline": m.deadline.isoformat() if m.deadline else None,
        "deadline_rule": m.deadline_rule,
        "status": m.status,
        "waived_reason": m.waived_reason,
    }


def record_measure_status(
    session: AsyncSession,
    measure: Measure,
    target: MeasureStatus,
    actor: str,
    reason: str | None,
    occurred_on: date,
    *,
    initial: bool = False,
) -> None:
    """Move a measure to `target` and keep the change (`measure_status_change`), for as-of reads."""
    assert measure.id is not None
    from_status = None if initial else MeasureStatus(measure.status)
    values = status_change_values(measure.id, from_status, target, actor, utcnow(), reason, occurred_on)
    session.add(MeasureStatusChange(**values))
    measure.status = target


def status_change_values(
    measure_id: int,
    from_status: MeasureStatus | None,
    target: MeasureStatus,
    actor: str,
    now: datetime,
    reason: str | None,
    occurred_on: date,
) -> dict[str, Any]:
    """A `measure_status_change` row's values (an import writes many in one statement)."""
    return {
        "measure_id": measure_id,
        "from_status": from_status,
        "to_status": target,
        "changed_by": actor,
        "changed_at": now,
        "reason": reason,
        "occurred_on": occurred_on,
    }


def new_measure(
    issue_id: int,
    *,
    position: int,
    seq: int | None,
    text: str,
    org_id: int | None,
    org_path: str,
    setting: DeadlineSetting,
    status: MeasureStatus,
    occurred_on: date | None,
    now: datetime,
) -> Measure:
    """A measure as the ledger first records it: its deadline kept as the original too, the day it
    was set as `occurred_on`. The caller adds and flushes it (a batch flushes once), then records
    its first status (`record_measure_status(..., initial=True)`) and syncs the measure links."""
    return Measure(
        **measure_values(
            issue_id,
            position=position,
            seq=seq,
            text=text,
            org_id=org_id,
            org_path=org_path,
            setting=setting,
            status=status,
            occurred_on=occurred_on,
            now=now,
        )
    )


def measure_values(
    issue_id: int,
    *,
    position: int,
    seq: int | None,
    text: str,
    org_id: int | None,
    org_path: str,
    setting: DeadlineSetting,
    status: MeasureStatus,
    occurred_on: date | None,
    now: datetime,
) -> dict[str, Any]:
    """A new measure's row values (`new_measure` builds the object; an import inserts many at once)."""
    return {
        "issue_id": issue_id,
        "seq": seq,
        "position": position,
        "text": text,
        "responsible_org_id": org_id,
        "org_path": org_path,
        "deadline": setting.deadline,
        "original_deadline": setting.deadline,
        "deadline_rule": setting.rule,
        "deadline_provisional": setting.provisional,
        "deadline_text": setting.text,
        "deadline_precision": setting.precision,
        "status": status,
        "occurred_on": occurred_on,
        "created_at": now,
        "updated_at": now,
    }


async def live_measure(session: AsyncSession, measure_id: int, principal: Principal) -> Measure:
    """The measure, locked for change: 404 outside the caller's scope, 409 once withdrawn."""
    measure = await repository.get_measure(session, measure_id, principal.scope, for_update=True)
    if measure is None:
        raise not_found("整改措施", "Measure")
    if measure.withdrawn_at is not None:
        raise withdrawn_conflict("整改措施", "measure")
    assert measure.id is not None
    return measure


async def create_measure(session: AsyncSession, issue_id: int, data: MeasureCreate, principal: Principal) -> Measure:
    issue = await live_issue(session, issue_id, principal)
    assert issue.id is not None
    org_path = issue.org_path
    if data.responsible_org_id is not None:
        org = (await orgs_exist(session, principal, [data.responsible_org_id], "body.responsible_org_id"))[
            data.responsible_org_id
        ]
        org_path = org.path
    position, next_seq = await repository.next_measure_numbers(session, issue.id)
    seq = data.seq if "seq" in data.model_fields_set else next_seq
    setting = await deadline_setting(session, data.deadline, data.deadline_rule, org_path)
    occurred_on = await occurred_on_checked(session, principal, issue.round_id, data.occurred_on)
    now = utcnow()
    measure = new_measure(
        issue.id,
        position=position,
        seq=seq,
        text=data.text,
        org_id=data.responsible_org_id,
        org_path=org_path,
        setting=setting,
        status=data.status,
        occurred_on=occurred_on,
        now=now,
    )
    session.add(measure)
    await session.flush()
    assert measure.id is not None
    record_measure_status(session, measure, data.status, principal.name, None, occurred_on, initial=True)
    await sync_measure_links(session, issue.id)
    issue.updated_at = now
    await record_change(
        session,
        principal,
        EventType.measure_created,
        "measure",
        measure.id,
        data=ev.MeasureCreated(id=measure.id, issue_id=issue.id, seq=seq, status=measure.status),
        after=_measure_view(measure),
        org_path=org_path,
    )
    return measure


_UNIT_FIELDS = frozenset({"status", "reason"})


async def _check_unit(session: AsyncSession, measure: Measure, fields: set[str], principal: Principal) -> None:
    """A unit moves the status of a measure it answers for (its own, or its issue's when it leads an
    unassigned one); every other field is the office's."""
    if principal.role == Role.office_admin:
        return
    if fields - _UNIT_FIELDS:
        raise FORBIDDEN.error(
            message="责任单位只能变更措施的状态，其他内容由整改办维护",
            message_en="A unit may change only a measure's status; the office keeps the rest",
            details=[{"field": f"body.{f}", "reason": "office only"} for f in sorted(fields - _UNIT_FIELDS)],
        )
    answering = measure.responsible_org_id
    if answering is None:
        issue = await session.get(Issue, measure.issue_id)
        answering = issue.lead_org_id if issue is not None else None
    if answering != principal.org_id:
        raise FORBIDDEN.error(
            message="只有该措施的责任单位可以变更其状态",
            message_en="Only the measure's responsible unit may change its status",
        )


async def _has_evidence(session: AsyncSession, measure: Measure) -> bool:
    """Evidence (佐证材料) linked to a progress report on this measure."""
    reports = select(col(ProgressReport.id)).where(col(ProgressReport.measure_id) == measure.id)
    stmt = select(
        exists().where(col(AttachmentLink.target_kind) == "progress_report", col(AttachmentLink.target_id).in_(reports))
    )
    return bool((await session.execute(stmt)).scalar())


async def _check_status(
    session: AsyncSession, measure: Measure, target: MeasureStatus, data: MeasurePatch, principal: Principal
) -> None:
    current = MeasureStatus(measure.status)
    reason = (data.reason or "").strip()
    if principal.role != Role.office_admin:
        if not unit_may_move_measure(current, target):
            allowed = [s.value for s in UNIT_MEASURE_TRANSITIONS[current]]
            raise ILLEGAL_TRANSITION.error(
                measure_status_text_current=MEASURE_STATUS_TEXT[current],
                measure_status_text_target=MEASURE_STATUS_TEXT[target],
                current_value=current.value,
                target_value=target.value,
                allowed_or_none=allowed or "none",
                details=[{"field": "body.status", "reason": f"allowed targets: {allowed}"}],
            )
        if target == MeasureStatus.completed:
            round_ = await session.get(InspectionRound, (await _round_of(session, measure)))
            if (
                round_ is not None
                and round_.completion_requires_attachment
                and not await _has_evidence(session, measure)
            ):
                raise EVIDENCE_REQUIRED.error(
                    details=[{"field": "body.status", "reason": "no evidence linked to this measure"}]
                )
    elif office_override_measure(current, target) and not reason:
        raise invalid(
            "body.reason",
            "required for an office override",
            "整改办变更措施状态（不按单位的流转顺序，或批准不再实施）须说明原因",
            "An office override of a measure's status (waiving included) needs a reason",
        )


async def _round_of(session: AsyncSession, measure: Measure) -> int:
    issue = await session.get(Issue, measure.issue_id)
    assert issue is not None
    return issue.round_id


async def patch_measure(session: AsyncSession, measure_id: int, data: MeasurePatch, principal: Principal) -> Measure:
    actor = principal.name
    measure = await live_measure(session, measure_id, principal)
    assert measure.id is not None
    fields = set(data.model_fields_set)
    await _check_unit(session, measure, fields, principal)
    changes: dict[str, Any] = {}
    before_view = _measure_view(measure)
    occurred_on = None
    if "occurred_on" in fields:
        occurred_on = await occurred_on_checked(session, principal, await _round_of(session, measure), data.occurred_on)
    if "text" in fields:
        if data.text is None:
            raise invalid("body.text", "cannot be null", "措施内容不能为空", "text cannot be null")
        if data.text != measure.text:
            measure.text = changes["text"] = data.text
    if "status" in fields:
        if data.status is None:
            raise invalid("body.status", "cannot be null", "状态不能为空", "status cannot be null")
        if data.status != measure.status:
            await _check_status(session, measure, data.status, data, principal)
            changes["status"] = {"from": measure.status, "to": data.status}
            if data.reason:
                changes["reason"] = data.reason
            if occurred_on is not None:
                changes["occurred_on"] = occurred_on.isoformat()
            record_measure_status(
                session, measure, data.status, actor, data.reason, occurred_on or day_of(None, utcnow())
            )
            measure.waived_reason = data.reason if data.status == MeasureStatus.waived else None
    if "responsible_org_id" in fields and data.responsible_org_id != measure.responsible_org_id:
        if data.responsible_org_id is None:
            issue = await repository.get(session, measure.issue_id, principal.scope)
            assert issue is not None
            measure.org_path = issue.org_path
        else:
            org = (await orgs_exist(session, principal, [data.responsible_org_id], "body.responsible_org_id"))[
                data.responsible_org_id
            ]
            measure.org_path = org.path
        measure.responsible_org_id = changes["responsible_org_id"] = data.responsible_org_id
        await sync_measure_links(session, measure.issue_id)
    if "deadline" in fields or "deadline_rule" in fields:
        setting = await deadline_setting(
            session, data.deadline if "deadline" in fields else measure.deadline, data.deadline_rule, measure.org_path
        )
        changes.update(apply_deadline(session, "measure", measure, setting, data.deadline_reason, actor))
    if changes:
        measure.updated_at = utcnow()
        old, new = diff(before_view, _measure_view(measure))
        if "status" in changes and (data.reason or occurred_on):
            new = {**new, "reason": data.reason, **({"occurred_on": occurred_on.isoformat()} if occurred_on else {})}
        await record_change(
            session,
            principal,
            EventType.measure_updated,
            "measure",
            measure.id,
            data=ev.MeasureUpdated(id=measure.id, issue_id=measure.issue_id, changes=changes),
            before=old,
            after=new,
            org_path=measure.org_path,
        )
    return measure


async def withdraw_measure(session: AsyncSession, measure_id: int, reason: str, principal: Principal) -> Measure:
    measure = await live_measure(session, measure_id, principal)
    assert measure.id is not None
    after = mark_withdrawn(measure, principal, reason)
    await sync_measure_links(session, measure.issue_id)
    await record_change(
        session,
        principal,
        EventType.measure_withdrawn,
        "measure",
        measure.id,
        data=ev.MeasureWithdrawn(id=measure.id, issue_id=measure.issue_id, reason=reason),
        before={"withdrawn_at": None},
        after=after,
        org_path=measure.org_path,
    )
    return measure


async def start_on_report(
    session: AsyncSession, issue: Issue, measure: Measure | None, principal: Principal, occurred_on: date
) -> None:
    """A progress report starts the work it is about: a not-started measure (and its not-started
    problem), or a not-started problem reported on as a whole, move to in_progress."""
    now = utcnow()
    if measure is not None and measure.status == MeasureStatus.not_started:
        assert measure.id is not None
        before = _measure_view(measure)
        record_measure_status(session, measure, MeasureStatus.in_progress, principal.name, "首次报送进展", occurred_on)
        measure.updated_at = now
        old, new = diff(before, _measure_view(measure))
        await record_change(
            session,
            principal,
            EventType.measure_updated,
            "measure",
            measure.id,
            data=ev.MeasureUpdated(
                id=measure.id,
                issue_id=measure.issue_id,
                changes={"status": {"from": MeasureStatus.not_started, "to": MeasureStatus.in_progress}},
            ),
            before=old,
            after={**new, "reason": "首次报送进展", "occurred_on": occurred_on.isoformat()},
            org_path=measure.org_path,
        )
    if issue.status == IssueStatus.not_started:
        record_status_change(
            session, issue, IssueStatus.in_progress, principal.name, "首次报送进展", now, occurred_on=occurred_on
        )
