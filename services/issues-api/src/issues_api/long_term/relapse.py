"""反弹: finished work found undone again. The issue goes back to `in_progress` (through the
workflow's transition table), its closure — whatever step it reached, written off included — is
`reopened` so the unit applies again, and the relapse is kept with its source, an event and an audit record.

Two ways in: a progress report flagged `relapse: true` (the unit reports it), or the office
recording it from a petition case linked to the issue, an inspection or another source."""

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import allowed_from
from rectify_shared.enums import ClosureState, IssueStatus
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import Issue, IssueRelapse, PetitionCase, ProgressReport
from rectify_shared.status import RELAPSE_FROM

from ..auth.principal import Principal
from ..closures import repository as closures
from ..closures.service import move, set_issue_status
from ..core.errors import ApiError, invalid
from ..outbox.change import record_change
from .errors import NOT_FINISHED
from .schemas import RelapseCreate


async def check_source(session: AsyncSession, issue: Issue, data: RelapseCreate) -> None:
    """The named petition case or progress report must belong to this issue."""
    if data.petition_case_id is not None:
        case = await session.get(PetitionCase, data.petition_case_id)
        if case is None or case.issue_id != issue.id:
            raise invalid(
                "body.petition_case_id",
                "not a petition case linked to this issue",
                "信访举报件不存在或未关联该整改任务",
                "No petition case linked to this issue (set its issue_id first)",
            )
    if data.progress_report_id is not None:
        stmt = select(col(ProgressReport.issue_id)).where(
            col(ProgressReport.id) == data.progress_report_id, col(ProgressReport.withdrawn_at).is_(None)
        )
        report_issue = (await session.execute(stmt)).scalar_one_or_none()
        if report_issue is None or report_issue != issue.id:
            raise invalid(
                "body.progress_report_id",
                "not a progress report on this issue",
                "整改进展不存在或不属于该整改任务",
                "No progress report on this issue",
            )


def not_finished(issue: Issue) -> ApiError:
    return NOT_FINISHED.error(issue_status=issue.status, details=[{"field": "status", "reason": str(issue.status)}])


async def record_relapse(
    session: AsyncSession, principal: Principal, issue: Issue, data: RelapseCreate
) -> IssueRelapse:
    """Reopen a finished issue (locked by the caller) and its closure; record why and from where."""
    assert issue.id is not None
    current = IssueStatus(issue.status)
    if current not in RELAPSE_FROM:
        raise not_finished(issue)
    set_issue_status(issue, session, IssueStatus.in_progress, principal.name, f"反弹：{data.reason}")
    closure = await closures.for_issue(session, issue.id)
    reopened = closure is not None and closure.state in allowed_from("relapse")
    if closure is not None and reopened:
        closure.last_reason, closure.step_due = data.reason, None
        closure.written_off_at = closure.written_off_by = None
        await move(
            session,
            principal,
            closure,
            "relapse",
            ClosureState.reopened,
            event=EventType.closure_reopened,
            comment=data.reason,
            extra={"source": data.source},
        )
    row = IssueRelapse(
        issue_id=issue.id,
        org_path=issue.org_path,
        reason=data.reason,
        source=data.source,
        petition_case_id=data.petition_case_id,
        progress_report_id=data.progress_report_id,
        source_detail=data.source_detail,
        from_status=current,
        closure_id=closure.id if closure is not None and reopened else None,
        recorded_by=principal.name,
    )
    session.add(row)
    await session.flush()
    payload = {
        "relapse_id": row.id,
        "issue_id": issue.id,
        "round_id": issue.round_id,
        "from": current.value,
        "to": IssueStatus.in_progress.value,
        "reason": data.reason,
        "source": data.source,
        "petition_case_id": data.petition_case_id,
        "progress_report_id": data.progress_report_id,
        "source_detail": data.source_detail,
        "closure_id": row.closure_id,
    }
    await record_change(
        session,
        principal,
        EventType.issue_relapsed,
        "issue",
        issue.id,
        data=ev.IssueRelapsed(**payload),
        before={"status": current.value},
        after=payload,
        org_path=issue.org_path,
    )
    return row
