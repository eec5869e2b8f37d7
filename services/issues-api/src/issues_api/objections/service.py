"""异议 during a 公示: filed by anyone (the public page) or recorded by the office; the office
decides. An upheld objection sends the task back to `in_progress` with the reason."""

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ClosureState, IssueStatus
from rectify_shared.events import EventType
from rectify_shared.events import workflow as wf
from rectify_shared.models import Closure, ClosureObjection
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..auth.principal import Principal, Role
from ..closures import repository as closures
from ..closures.schemas import DecisionBody, ObjectionCreate
from ..closures.service import locked, move, set_issue_status
from ..core.errors import ApiError, not_found
from ..outbox.change import record_change
from . import repository
from .errors import ALREADY_DECIDED, NOTICE_NOT_RUNNING


def public_principal(closure: Closure, client_addr: str | None) -> Principal:
    """Who acts when the public files an objection: recorded with the client address, no account."""
    return Principal(
        kind="system",
        id=0,
        name="public",
        role=Role.leader,
        org_id=0,
        org_path=closure.org_path,
        client_addr=client_addr,
    )


def _notice_not_running() -> ApiError:
    return NOTICE_NOT_RUNNING.error()


async def file(
    session: AsyncSession, closure: Closure, data: ObjectionCreate, principal: Principal, source: str
) -> ClosureObjection:
    assert closure.id is not None
    d = today()
    if (
        closure.state != ClosureState.in_publicity
        or closure.publicity_start is None
        or closure.publicity_end is None
        or not (closure.publicity_start <= d <= closure.publicity_end)
    ):
        raise _notice_not_running()
    row = ClosureObjection(
        closure_id=closure.id,
        name=data.name.strip(),
        contact=data.contact.strip(),
        content=data.content,
        source=source,
        client_addr=principal.client_addr,
        filed_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    # the event carries no personal data: objectors' names and contacts stay in the ledger
    await record_change(
        session,
        principal,
        EventType.closure_objection_filed,
        "closure",
        closure.id,
        data=wf.ClosureObjectionFiled(
            id=closure.id,
            issue_id=closure.issue_id,
            petition_case_id=closure.petition_case_id,
            objection_id=row.id,
            source=source,
        ),
        after={"objection_id": row.id, "source": source, "content": data.content},
        org_path=closure.org_path,
    )
    return row


async def file_public(
    session: AsyncSession, closure_id: int, data: ObjectionCreate, client_addr: str | None
) -> ClosureObjection:
    closure = await closures.get_unscoped(session, closure_id, for_update=True)
    if closure is None or closure.issue_id is None or closure.state != ClosureState.in_publicity:
        raise not_found("公示", "Notice")
    return await file(session, closure, data, public_principal(closure, client_addr), "public")


async def file_by_office(
    session: AsyncSession, closure_id: int, data: ObjectionCreate, principal: Principal
) -> ClosureObjection:
    closure = await closures.get(session, closure_id, principal.scope, for_update=True)
    if closure is None:
        raise not_found("销号申请", "Closure")
    return await file(session, closure, data, principal, "office")


async def decide(
    session: AsyncSession, closure_id: int, objection_id: int, data: DecisionBody, principal: Principal
) -> Closure:
    closure, target = await locked(session, closure_id, principal)
    assert closure.id is not None
    objection = await repository.get(session, closure.id, objection_id)
    if objection is None:
        raise not_found("异议", "Objection")
    if objection.decision is not None:
        raise ALREADY_DECIDED.error()
    if data.upheld and closure.state != ClosureState.in_publicity:
        raise _notice_not_running()
    objection.decision = "upheld" if data.upheld else "dismissed"
    objection.decision_reason, objection.decided_by, objection.decided_at = data.reason, principal.name, utcnow()
    extra = {"objection_id": objection.id, "upheld": data.upheld}
    if data.upheld:
        reason = f"公示异议成立：{data.reason}"
        set_issue_status(target.issue, session, IssueStatus.in_progress, principal.name, reason)
        closure.last_reason, closure.step_due = data.reason, None
        to = ClosureState.reopened
    else:
        to = ClosureState(closure.state)
    action = "uphold_objection" if data.upheld else "dismiss_objection"
    await move(
        session,
        principal,
        closure,
        action,
        to,
        event=EventType.closure_objection_decided,
        comment=data.reason,
        extra=extra,
    )
    return closure
