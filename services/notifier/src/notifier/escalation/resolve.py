"""Which escalations in force no longer have a cause (pure). A resolved escalation keeps its
dedupe key, so the same cause for the same period never fires again."""

from collections.abc import Iterable
from datetime import date

from rectify_shared.escalation_policy import (
    AfterDeadline,
    BeforeDeadline,
    MissedAttestation,
    MissedDispatch,
    Policy,
    Repeated,
)

from .model import (
    LETTER_PREFIX,
    OPEN_ISSUE_STATUSES,
    OPEN_STATES,
    RESOLVED_ATTESTED,
    RESOLVED_DEADLINE_MOVED,
    RESOLVED_DISPATCH_REPORTED,
    RESOLVED_NOT_ATTESTING,
    RESOLVED_TASK_CLOSED,
    Item,
    Obligation,
    PastEscalation,
    Resolution,
    is_attesting,
    is_open,
    period_text,
)


def cause_gone(
    e: PastEscalation,
    policy: Policy,
    items: dict[str, Item],
    obligations: dict[tuple[int, int], Obligation],
    as_of: date | None = None,
) -> str | None:
    """The resolution text when `e`'s cause went away; None while it holds (or is unknown)."""
    rule = next((r for r in policy.rules if r.id == e.rule), None)
    if rule is None or e.state not in OPEN_STATES:
        return None  # by hand, or a rule the policy no longer has: people resolve those
    t = rule.trigger
    item = items.get(e.subject) if e.subject else None
    if isinstance(t, BeforeDeadline | AfterDeadline):
        return letter_cause_gone(e, items, as_of) if e.dedupe_key.startswith(LETTER_PREFIX) else None
    elif isinstance(t, MissedDispatch):
        ob = obligations.get((e.dispatch_round_id or 0, e.org_id or 0))
        if ob is not None and ob.reported:
            return RESOLVED_DISPATCH_REPORTED
    elif isinstance(t, MissedAttestation):
        if item is None:
            return None
        if not is_attesting(item):
            return RESOLVED_NOT_ATTESTING
        start = date.fromisoformat(e.trigger["period_start"])
        if item.last_progress_at is not None and item.last_progress_at >= start:
            return RESOLVED_ATTESTED
    elif isinstance(t, Repeated) and item is not None and not (is_open(item) or is_attesting(item)):
        return RESOLVED_TASK_CLOSED
    return None


def letter_cause_gone(e: PastEscalation, items: dict[str, Item], as_of: date | None = None) -> str | None:
    """A problem's letter to a unit: resolved once the problem is finished (or withdrawn), once
    its deadline moved (a new period, a new ladder), once the unit has no open work left on it,
    or (an overdue letter) once none of the unit's open work is overdue any more on `as_of`."""
    issue = items.get(f"i{e.issue_id}")
    if issue is None:
        return None
    if issue.withdrawn or issue.status not in OPEN_ISSUE_STATUSES:
        return RESOLVED_TASK_CLOSED
    if period_text(issue.deadline) != e.trigger.get("period"):
        return RESOLVED_DEADLINE_MOVED
    unit = e.trigger.get("unit_org_id")
    owed = [i for i in items.values() if i.issue_id == e.issue_id and i.org_id == unit and is_open(i)]
    if not owed:
        return RESOLVED_TASK_CLOSED
    overdue = any(i.deadline is not None and i.deadline < as_of for i in owed) if as_of is not None else True
    if e.trigger.get("kind") == "after_deadline" and not overdue:
        return RESOLVED_DEADLINE_MOVED
    return None


def causes_resolved(
    items: Iterable[Item],
    obligations: Iterable[Obligation],
    open_escalations: Iterable[PastEscalation],
    policy: Policy,
    as_of: date | None = None,
) -> list[Resolution]:
    by_subject = {item.subject: item for item in items}
    by_unit = {(ob.dispatch_round_id, ob.org_id): ob for ob in obligations}
    out = []
    for e in open_escalations:
        text = cause_gone(e, policy, by_subject, by_unit, as_of)
        if text is not None:
            out.append(Resolution(e.id, e.dedupe_key, text))
    return out
