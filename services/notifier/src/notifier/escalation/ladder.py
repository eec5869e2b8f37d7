"""The escalation ladder as a pure function: (items, obligations, past, policy, calendar, as_of)
→ the escalations that fire. No I/O; the scan applies the same rules in bulk SQL through
`deadline_thresholds`, and a test proves both paths agree.
"""

from collections.abc import Sequence
from datetime import date

from rectify_shared.escalation_policy import AfterDeadline, BeforeDeadline, MissedAttestation, MissedDispatch, Policy
from rectify_shared.workcalendar import WorkCalendar

from .deadlines import deadline_thresholds, fires_after, remaining_days_before, remaining_thresholds
from .model import Item, Obligation, PastEscalation, Proposed, Resolution
from .resolve import causes_resolved
from .rules import attestation_rule, deadline_rule, dispatch_rule, repeated_in_order, repeated_rule, subjects_of

__all__ = [
    "Item",
    "Obligation",
    "PastEscalation",
    "Proposed",
    "Resolution",
    "causes_resolved",
    "deadline_thresholds",
    "fires_after",
    "ladder",
    "remaining_days_before",
    "remaining_thresholds",
]


def ladder(
    items: Sequence[Item],
    obligations: Sequence[Obligation],
    past: Sequence[PastEscalation],
    policy: Policy,
    calendar: WorkCalendar,
    as_of: date,
) -> list[Proposed]:
    """Every escalation the policy fires on `as_of` (including ones `past` already holds: their
    dedupe keys tell; storing is the caller's business). Two rules that fire the same letter (one
    per unit and cause: e.g. two warning rules on the deadline day) yield it once, from the rule
    that comes first in the policy, as the scan's insert-or-skip in policy order stores it."""
    fired: list[Proposed] = []
    for rule in policy.rules:
        t = rule.trigger
        if isinstance(t, BeforeDeadline | AfterDeadline):
            fired += deadline_rule(rule, items, calendar, as_of, past)
        elif isinstance(t, MissedDispatch):
            fired += dispatch_rule(rule, obligations, calendar, as_of)
        elif isinstance(t, MissedAttestation):
            fired += attestation_rule(rule, items, calendar, as_of)
    fired = _first_per_key(fired)  # a letter counts once towards a repeated rule, as it is stored once
    subjects = subjects_of(items, obligations)
    for rule in repeated_in_order(policy.rules):
        known = {e.dedupe_key for e in past}
        counted: list[PastEscalation | Proposed] = [*past, *(p for p in fired if p.dedupe_key not in known)]
        fired += repeated_rule(rule, counted, subjects, calendar, as_of)
    return _first_per_key(fired)


def _first_per_key(fired: list[Proposed]) -> list[Proposed]:
    first: dict[str, Proposed] = {}
    for p in fired:
        first.setdefault(p.dedupe_key, p)
    return list(first.values())
