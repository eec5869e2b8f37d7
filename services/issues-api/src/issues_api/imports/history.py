"""History from the file: the status path a problem took and the days it took it on (its dated
progress lines, its 完成时间), and the progress lines themselves, as `occurred_on` facts."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.ids import new_id
from rectify_shared.models import Issue, IssueStatusChange, Org, OutboxEvent
from rectify_shared.timezone import today

from ..auth.principal import Principal
from ..issues.status_change import move_issue
from .bulk import Rows
from .rows import ProblemRow


def status_path(target: IssueStatus) -> list[IssueStatus]:
    if target == IssueStatus.not_started:
        return []
    if target == IssueStatus.in_progress:
        return [IssueStatus.in_progress]
    if target == IssueStatus.closed:
        return [IssueStatus.in_progress, IssueStatus.completed, IssueStatus.closed]
    return [IssueStatus.in_progress, target]


def started_on(p: ProblemRow) -> date | None:
    dated = [d for d, _ in p.progress if d is not None]
    return min(dated) if dated else p.completed_on


def measure_day(row: ProblemRow, mp: Any) -> date:
    """The day a measure reached its status, when the file gives none of its own: a completed
    measure by the problem's completion, else by its own deadline once past, else when the
    problem started; work in progress from the problem's start."""
    started, now = started_on(row), today()
    if mp.status == MeasureStatus.completed:
        own = mp.deadline.deadline if mp.deadline is not None and mp.deadline.deadline else None
        candidates = [d for d in (row.completed_on, own if own and own <= now else None) if d is not None]
        return min(candidates) if candidates else (started or now)
    return started or now


def move_status(rows: Rows, principal: Principal, issue: Issue, target: IssueStatus, row: ProblemRow, now: Any) -> None:
    """Walk a new problem from 未启动 to the file's status, each step on the day the file gives."""
    started, done = started_on(row), row.completed_on
    path = status_path(target)
    if IssueStatus(issue.status) in path:
        path = path[path.index(IssueStatus(issue.status)) + 1 :]
    elif IssueStatus(issue.status) != IssueStatus.not_started:
        path = [target]
    for step in path:
        day = started if step == IssueStatus.in_progress else done
        change, event = move_issue(issue, step, principal.name, "导入", now, day)
        rows.add(IssueStatusChange, change)
        rows.add(OutboxEvent, event)


def progress_values(
    principal: Principal,
    issue: Issue,
    org: Org,
    lines: Sequence[tuple[date | None, str]],
    now: Any,
) -> list[dict[str, Any]]:
    """The file's progress lines as `progress_report` rows, each on the day it starts with."""
    assert issue.id is not None and org.id is not None
    return [
        {
            "id": new_id(),
            "created_at": now,
            "issue_id": issue.id,
            "measure_id": None,
            "text": text,
            "reporting_org_id": org.id,
            "org_path": org.path,
            "reported_at": now,
            "reported_by": principal.name,
            "occurred_on": day,
        }
        for day, text in lines
    ]
