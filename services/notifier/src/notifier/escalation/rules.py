"""Each kind of rule applied to its inputs (pure); `ladder` runs them in the policy's order."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from rectify_shared.escalation_policy import (
    LEVEL_RANK,
    LEVEL_TEXT,
    AfterDeadline,
    BeforeDeadline,
    Level,
    Repeated,
    Rule,
    Target,
)
from rectify_shared.escalation_states import EscalationState
from rectify_shared.periods import last_complete_period
from rectify_shared.workcalendar import WorkCalendar

from .deadlines import fires_after, remaining_days_before
from .model import (
    Item,
    Obligation,
    PastEscalation,
    Proposed,
    Unit,
    after_reason,
    attestation_reason,
    before_reason,
    dispatch_key,
    dispatch_reason,
    is_attesting,
    is_open,
    letter_key,
    letter_subject,
    measures_suffix,
    period_key,
    period_text,
    repeated_key,
    repeated_reason,
)

# ---------------------------------------------------------------- addressing


def address(rule: Rule, org_id: int, parent_org_id: int | None, leader: dict[str, Any] | None) -> tuple[int, Any]:
    """(addressed org, addressed person) for the rule's target."""
    if rule.target == Target.parent_org:
        return (parent_org_id if parent_org_id is not None else org_id), None
    if rule.target == Target.responsible_leader:
        return org_id, leader
    return org_id, None


def propose(
    rule: Rule,
    calendar: WorkCalendar,
    as_of: date,
    *,
    subject: str,
    round_id: int,
    org_id: int,
    parent_org_id: int | None,
    leader: dict[str, Any] | None,
    org_path: str,
    reason: str,
    trigger: dict[str, Any],
    key: str,
    issue_id: int | None = None,
    measure_id: int | None = None,
    dispatch_round_id: int | None = None,
) -> Proposed:
    addressed_org, person = address(rule, org_id, parent_org_id, leader)
    return Proposed(
        rule=rule.id,
        level=rule.level.value,
        round_id=round_id,
        issue_id=issue_id,
        measure_id=measure_id,
        dispatch_round_id=dispatch_round_id,
        addressed_org_id=addressed_org,
        addressed_person=person,
        org_path=org_path,
        reason=reason,
        trigger=trigger,
        dedupe_key=key,
        state=EscalationState.proposed if rule.requires_approval else EscalationState.issued,
        as_of=as_of,
        response_due=calendar.nth_workday_after(as_of, rule.response_working_days).day,
        subject=subject,
    )


def _for_item(rule: Rule, calendar: WorkCalendar, as_of: date, item: Item, **kw: Any) -> Proposed:
    return propose(
        rule,
        calendar,
        as_of,
        subject=item.subject,
        round_id=item.round_id,
        org_id=item.org_id,
        parent_org_id=item.parent_org_id,
        leader=item.leader,
        org_path=item.org_path,
        issue_id=item.issue_id,
        measure_id=item.measure_id,
        **kw,
    )


# ---------------------------------------------------------------- one rule over all inputs


def climbed(rule: Rule, below: PastEscalation | None, calendar: WorkCalendar, as_of: date) -> bool:
    """A rule with `after_level` fires only after the letter below it was issued at least
    `min_working_days_since` working days ago and is still unanswered and unfixed."""
    if rule.after_level is None:
        return True
    if below is None or below.state != EscalationState.issued or below.issued_on is None:
        return False
    return fires_after(AfterDeadline(kind="after_deadline", working_days=rule.min_working_days_since),
                       below.issued_on, calendar, as_of)  # fmt: skip


def deadline_rule(
    rule: Rule,
    items: Iterable[Item],
    calendar: WorkCalendar,
    as_of: date,
    past: Iterable[PastEscalation] = (),
) -> list[Proposed]:
    """One letter per problem and unit: the unit's overdue (or nearly due) work on one problem —
    the problem itself for its lead unit, the measures it is responsible for — folded together."""
    t = rule.trigger
    assert isinstance(t, BeforeDeadline | AfterDeadline)
    groups: dict[tuple[int, int], list[Item]] = defaultdict(list)
    for item in items:
        if item.deadline is None or not is_open(item):
            continue
        if isinstance(t, BeforeDeadline):
            if remaining_days_before(t, item.deadline, calendar, as_of) is None:
                continue
        elif not fires_after(t, item.deadline, calendar, as_of):
            continue
        groups[(item.issue_id, item.org_id)].append(item)
    by_key = {e.dedupe_key: e for e in past}
    out = []
    for (issue_id, org_id), fired in sorted(groups.items()):
        first = min(i.deadline for i in fired if i.deadline is not None)
        head = fired[0]
        if rule.after_level is not None:
            below = by_key.get(letter_key(rule.after_level.value, issue_id, org_id, head.period))
            if not climbed(rule, below, calendar, as_of):
                continue
        measures = sorted(i.measure_id for i in fired if i.measure_id is not None)
        if isinstance(t, BeforeDeadline):
            reason = before_reason(first, remaining_days_before(t, first, calendar, as_of) or 0)
        else:
            reason = after_reason(first, t.working_days)
        trigger = {
            "kind": t.kind,
            "working_days": t.working_days,
            "deadline": first.isoformat(),
            "period": period_text(head.period),
            "unit_org_id": org_id,
            "measures": measures,
        }
        key = letter_key(rule.level.value, issue_id, org_id, head.period)
        out.append(
            propose(
                rule,
                calendar,
                as_of,
                subject=letter_subject(issue_id, org_id),
                round_id=head.round_id,
                org_id=org_id,
                parent_org_id=head.parent_org_id,
                leader=head.leader,
                org_path=head.unit_path or head.org_path,
                reason=reason + measures_suffix(len(measures)),
                trigger=trigger,
                key=key,
                issue_id=issue_id,
            )
        )
    return out


def dispatch_rule(rule: Rule, obligations: Iterable[Obligation], calendar: WorkCalendar, as_of: date) -> list[Proposed]:
    out = []
    for ob in obligations:
        if ob.reported or not as_of > ob.cutoff:
            continue
        trigger = {"kind": "missed_dispatch", "dispatch_round_id": ob.dispatch_round_id, "period": ob.period}
        out.append(
            propose(
                rule,
                calendar,
                as_of,
                subject=ob.subject,
                round_id=ob.round_id,
                org_id=ob.org_id,
                parent_org_id=ob.parent_org_id,
                leader=None,
                org_path=ob.org_path,
                reason=dispatch_reason(ob.period),
                trigger=trigger,
                key=dispatch_key(rule.id, ob.dispatch_round_id, ob.org_id),
                dispatch_round_id=ob.dispatch_round_id,
            )
        )
    return out


def attestation_rule(rule: Rule, items: Iterable[Item], calendar: WorkCalendar, as_of: date) -> list[Proposed]:
    out = []
    for item in items:
        if not is_attesting(item):
            continue
        assert item.attestation_cycle is not None
        period = last_complete_period(item.attestation_cycle, as_of)
        if item.last_progress_at is not None and item.last_progress_at >= period.start:
            continue
        trigger = {
            "kind": "missed_attestation",
            "cycle": item.attestation_cycle,
            "period": period.label,
            "period_start": period.start.isoformat(),
        }
        key = period_key(rule.id, item.subject, period.label)
        out.append(
            _for_item(rule, calendar, as_of, item, reason=attestation_reason(period.label), trigger=trigger, key=key)
        )
    return out


def repeated_rule(
    rule: Rule,
    counted: Iterable[PastEscalation | Proposed],
    subjects: dict[str, Item | Unit],
    calendar: WorkCalendar,
    as_of: date,
) -> list[Proposed]:
    """Subjects (still active) with `count` escalations of `of_level` in the last M working days."""
    t = rule.trigger
    assert isinstance(t, Repeated)
    window_start = calendar.nth_workday_back(as_of, t.within_working_days).day
    groups: dict[tuple[int, str], list[date]] = defaultdict(list)
    for e in counted:
        if (
            e.level == t.of_level.value
            and e.state != EscalationState.withdrawn
            and window_start <= e.as_of <= as_of
            and e.subject
        ):
            groups[(e.round_id, e.subject)].append(e.as_of)
    out = []
    for (round_id, subject), days in sorted(groups.items()):
        info = subjects.get(subject)
        if len(days) < t.count or info is None:
            continue
        if isinstance(info, Item) and not (is_open(info) or is_attesting(info)):
            continue
        latest = max(days)
        trigger = {
            "kind": "repeated",
            "of_level": t.of_level.value,
            "count": len(days),
            "within_working_days": t.within_working_days,
            "latest": latest.isoformat(),
        }
        reason = repeated_reason(len(days), LEVEL_TEXT[Level(t.of_level)], t.within_working_days)
        key = repeated_key(rule.id, round_id, subject, latest)
        if isinstance(info, Item):
            out.append(_for_item(rule, calendar, as_of, info, reason=reason, trigger=trigger, key=key))
        else:
            out.append(
                propose(
                    rule,
                    calendar,
                    as_of,
                    subject=subject,
                    round_id=round_id,
                    org_id=info.org_id,
                    parent_org_id=info.parent_org_id,
                    leader=None,
                    org_path=info.org_path,
                    reason=reason,
                    trigger=trigger,
                    key=key,
                )
            )
    return out


def repeated_in_order(rules: Iterable[Rule]) -> list[Rule]:
    """Repeated rules, lowest counted level first, so one scan climbs several rungs in order."""
    reps = [r for r in rules if isinstance(r.trigger, Repeated)]
    return sorted(reps, key=lambda r: LEVEL_RANK[r.trigger.of_level] if isinstance(r.trigger, Repeated) else 0)


def subjects_of(items: Iterable[Item], obligations: Iterable[Obligation]) -> dict[str, Item | Unit]:
    out: dict[str, Item | Unit] = {ob.subject: Unit(ob.org_id, ob.parent_org_id, ob.org_path) for ob in obligations}
    out.update({item.subject: item for item in items})
    return out
