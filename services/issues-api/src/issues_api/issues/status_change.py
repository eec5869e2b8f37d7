"""An issue's status moved, as rows: the status-change row and the `issue.status_changed` event.
`service.record_status_change` adds them to the session; an import writes many in one statement
each (`imports.bulk`)."""

from datetime import date, datetime
from typing import Any

from rectify_shared.closure_workflow import DEFAULT_CLOSURE_POLICY
from rectify_shared.enums import IssueStatus
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.history import day_of
from rectify_shared.models import Issue, Org

from ..outbox.writer import event_values


def issue_event_data(issue: Issue) -> dict[str, Any]:
    """The head of every issue event (`rectify_shared.events.ledger.IssueRef`): its keys are the model's."""
    return {name: getattr(issue, name) for name in ev.IssueRef.model_fields}


def move_issue(
    issue: Issue,
    target: IssueStatus,
    actor: str,
    reason: str | None,
    now: datetime,
    occurred_on: date | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Move an issue to `target` (its side fields too); returns the `issue_status_change` row's
    values and the `issue.status_changed` event's (outbox row values)."""
    assert issue.id is not None
    current = IssueStatus(issue.status)
    change = {
        "issue_id": issue.id,
        "from_status": current,
        "to_status": target,
        "changed_by": actor,
        "changed_at": now,
        "reason": reason,
        "occurred_on": occurred_on or day_of(None, now),  # else the day of the server's time
    }
    issue.status = target
    issue.updated_at = now
    if target == IssueStatus.completed_long_term:
        issue.long_term = True
        if issue.attestation_cycle is None:  # re-attested from now on: the round's policy gives the cycle
            issue.attestation_cycle = DEFAULT_CLOSURE_POLICY.attestation_cycle
    if target != IssueStatus.in_progress:
        issue.on_schedule = None
    event = event_values(
        EventType.issue_status_changed,
        "issue",
        issue.id,
        ev.IssueStatusChanged(**issue_event_data(issue), from_=current, to_=target, reason=reason),
        org_path=issue.org_path,
    )
    return change, event


def org_link_values(issue_id: int, lead: Org, responsible: list[Org] | tuple[Org, ...]) -> list[dict[str, Any]]:
    """An issue's lead and responsible links (`issue_org` rows); a unit named twice is linked once."""
    assert lead.id is not None
    links = [{"issue_id": issue_id, "org_id": lead.id, "role": "lead", "org_path": lead.path}]
    for org in {o.id: o for o in responsible}.values():
        assert org.id is not None
        links.append({"issue_id": issue_id, "org_id": org.id, "role": "responsible", "org_path": org.path})
    return links
