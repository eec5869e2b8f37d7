"""延期: a unit asks before the deadline; the office approves (the date becomes the deadline, the
original stays on the issue and in the deadline history) or rejects."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import DeadlineChangeKind, IssueStatus
from rectify_shared.events import EventType
from rectify_shared.events import workflow as wf
from rectify_shared.models import DeadlineChange, ExtensionRequest, Issue
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..auth.principal import Principal
from ..core.errors import invalid, not_found
from ..issues.service import live_issue
from ..outbox.change import record_change
from .errors import ALREADY_DECIDED, DEADLINE_PASSED, EXTENSION_PENDING, NO_DEADLINE, TASK_DONE
from .schemas import ExtensionCreate, ExtensionRead


def read(e: ExtensionRequest, issue: Issue) -> ExtensionRead:
    assert e.id is not None
    return ExtensionRead(
        id=e.id,
        issue_id=e.issue_id,
        reason=e.reason,
        proposed_deadline=e.proposed_deadline,
        current_deadline=e.current_deadline,
        original_deadline=issue.original_deadline,
        state=e.state,
        requested_by=e.requested_by,
        requested_at=e.requested_at,
        decided_by=e.decided_by,
        decided_at=e.decided_at,
        decision_comment=e.decision_comment,
    )


async def request(
    session: AsyncSession, issue_id: int, data: ExtensionCreate, principal: Principal
) -> tuple[ExtensionRequest, Issue]:
    issue = await live_issue(session, issue_id, principal)
    assert issue.id is not None
    if issue.deadline is None:
        raise NO_DEADLINE.error()
    if issue.status in (IssueStatus.completed, IssueStatus.completed_long_term, IssueStatus.closed):
        raise TASK_DONE.error()
    if today() > issue.deadline:
        raise DEADLINE_PASSED.error(issue_deadline_isoformat=issue.deadline.isoformat())
    if data.proposed_deadline <= issue.deadline:
        raise invalid(
            "body.proposed_deadline", "not after the deadline", "延期日期须晚于现完成时限", "Must be after the deadline"
        )
    pending = await session.execute(
        select(col(ExtensionRequest.id)).where(
            col(ExtensionRequest.issue_id) == issue.id, col(ExtensionRequest.state) == "pending"
        )
    )
    if pending.first() is not None:
        raise EXTENSION_PENDING.error()
    row = ExtensionRequest(
        issue_id=issue.id,
        org_path=issue.org_path,
        reason=data.reason,
        proposed_deadline=data.proposed_deadline,
        current_deadline=issue.deadline,
        state="pending",
        requested_by=principal.name,
        requested_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    payload = {
        "id": row.id,
        "issue_id": issue.id,
        "current_deadline": issue.deadline.isoformat(),
        "proposed_deadline": data.proposed_deadline.isoformat(),
        "reason": data.reason,
    }
    await record_change(
        session,
        principal,
        EventType.extension_requested,
        "extension_request",
        row.id,
        data=wf.ExtensionRequested(**payload),
        org_path=issue.org_path,
    )
    return row, issue


async def list_for_issue(
    session: AsyncSession, issue_id: int, principal: Principal
) -> tuple[Sequence[ExtensionRequest], Issue]:
    from ..issues import repository as issues

    issue = await issues.get(session, issue_id, principal.scope)
    if issue is None:
        raise not_found("问题", "Issue")
    stmt = select(ExtensionRequest).where(col(ExtensionRequest.issue_id) == issue_id).order_by(col(ExtensionRequest.id))
    return (await session.execute(stmt)).scalars().all(), issue


async def list_page(
    session: AsyncSession,
    principal: Principal,
    *,
    state: str | None,
    round_id: int | None,
    after_id: int | None,
    limit: int,
) -> Sequence[tuple[ExtensionRequest, Issue]]:
    """Requests on the problems visible to the caller (as `list_for_issue`), newest first."""
    from ..issues.repository import visible

    stmt = (
        select(ExtensionRequest, Issue)
        .join(Issue, col(Issue.id) == col(ExtensionRequest.issue_id))
        .where(visible(principal.scope))
    )
    if state is not None:
        stmt = stmt.where(col(ExtensionRequest.state) == state)
    if round_id is not None:
        stmt = stmt.where(col(Issue.round_id) == round_id)
    if after_id is not None:
        stmt = stmt.where(col(ExtensionRequest.id) < after_id)
    stmt = stmt.order_by(col(ExtensionRequest.id).desc()).limit(limit + 1)
    return [(e, i) for e, i in (await session.execute(stmt)).all()]


async def decide(
    session: AsyncSession, request_id: int, approve: bool, comment: str | None, principal: Principal
) -> tuple[ExtensionRequest, Issue]:
    row = await session.get(ExtensionRequest, request_id, with_for_update=True)
    if row is None or not principal.scope.contains(row.org_path):
        raise not_found("延期申请", "Extension request")
    issue = await live_issue(session, row.issue_id, principal)
    assert issue.id is not None and row.id is not None
    if row.state != "pending":
        raise ALREADY_DECIDED.error()
    if not approve and not (comment and comment.strip()):
        raise invalid("body.comment", "required", "不同意延期须说明理由", "A rejection needs a comment")
    now = utcnow()
    row.state = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_comment = principal.name, now, comment
    head = {"id": row.id, "issue_id": issue.id, "state": row.state, "comment": comment}
    data: wf.ExtensionDecided = wf.ExtensionRejected(**head)
    if approve:
        old = issue.deadline
        session.add(
            DeadlineChange(
                entity_type="issue",
                entity_id=issue.id,
                old_deadline=old,
                new_deadline=row.proposed_deadline,
                kind=DeadlineChangeKind.extension,
                reason=row.reason,
                changed_by=principal.name,
            )
        )
        if issue.original_deadline is None:
            issue.original_deadline = old
        issue.deadline, issue.deadline_rule, issue.deadline_provisional = row.proposed_deadline, {"kind": "date"}, False
        issue.deadline_text, issue.deadline_precision = None, "day"  # the old wording no longer describes it
        issue.updated_at = now
        data = wf.ExtensionApproved(**head, from_=old, to_=row.proposed_deadline)
    event = EventType.extension_approved if approve else EventType.extension_rejected
    await record_change(session, principal, event, "extension_request", row.id, data=data, org_path=issue.org_path)
    return row, issue
