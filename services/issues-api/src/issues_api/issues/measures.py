"""Ledger writes on measures (整改措施): numbered or unnumbered, with history and events."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Measure
from rectify_shared.models.types import utcnow

from ..audit.writer import diff
from ..auth.principal import Principal
from ..calendar.service import deadline_setting
from ..core.errors import invalid, not_found
from ..outbox.change import record_change
from . import repository
from .schemas import MeasureCreate, MeasurePatch
from .service import apply_deadline, live_issue, mark_withdrawn, orgs_exist, withdrawn_conflict


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
    assert issue.id is not None
    org_path = issue.org_path
    if data.responsible_org_id is not None:
        org = (await orgs_exist(session, principal, [data.responsible_org_id], "body.responsible_org_id"))[
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
    measure = await live_measure(session, measure_id, principal)
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
            org = (await orgs_exist(session, principal, [data.responsible_org_id], "body.responsible_org_id"))[
                data.responsible_org_id
            ]
            measure.org_path = org.path
        measure.responsible_org_id = changes["responsible_org_id"] = data.responsible_org_id
    if "deadline" in fields or "deadline_rule" in fields:
        setting = await deadline_setting(
            session, data.deadline if "deadline" in fields else measure.deadline, data.deadline_rule
        )
        changes.update(apply_deadline(session, "measure", measure, setting, data.deadline_reason, actor))
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
    measure = await live_measure(session, measure_id, principal)
    assert measure.id is not None
    after = mark_withdrawn(measure, principal, reason)
    await record_change(
        session,
        principal,
        "measure.withdrawn",
        "measure",
        measure.id,
        data={"id": measure.id, "issue_id": measure.issue_id, "reason": reason},
        before={"withdrawn_at": None},
        after=after,
        org_path=measure.org_path,
    )
    return measure
