"""The one module that changes an escalation row, along the state machine of `escalation_states`.

DESIGN.md wants one writer per table. The people's acts (issue, withdraw, respond, a letter by
hand) answer synchronously over HTTP in issues-api, and services never import each other, so the
table has two callers: the notifier (its scan creates letters, resolves them and withdraws a whole
scan) and issues-api (the people's acts). Both change rows only through this module: the legal
transitions, the columns each one sets and the guarded set-based UPDATEs live here and nowhere
else (`tests/test_escalation_writer.py` holds the services to it). The scan's bulk INSERTs of new
letters stay the notifier's own (`notifier.escalation.sql`): creation by the scan is not a
transition, and its SQL is the ladder's.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, update
from sqlalchemy.sql.dml import Update

from .escalation_states import ACT_TEXT, ACTS, OPEN_STATES, STATE_TEXT, EscalationAct, EscalationState
from .models import Escalation, metadata

E = metadata.tables["escalation"]

#: the machine itself (states, acts, their text) is `escalation_states`; these names stay importable here
__all__ = [
    "ACTS",
    "ACT_TEXT",
    "OPEN_STATES",
    "STATE_TEXT",
    "IllegalTransition",
    "check",
    "hand_letter",
    "issue",
    "resolve_where",
    "respond",
    "withdraw",
    "withdraw_where",
]


class IllegalTransition(Exception):
    """A person's act that the escalation's state does not allow."""

    def __init__(self, state: str, act: str) -> None:
        super().__init__(f"an escalation that is {state} cannot be {act}ed")
        self.state, self.act = state, act
        self.allowed = sorted(str(a) for a in ACTS.get(state, frozenset()))


def check(e: Escalation, act: str) -> None:
    if act not in ACTS.get(e.state, frozenset()):
        raise IllegalTransition(e.state, act)


# --- one row, a person's act (issues-api, inside its request's transaction) -------------------


def issue(
    e: Escalation,
    *,
    by: str,
    now: datetime,
    on: date,
    doc_no: str | None = None,
    reference: str | None = None,
    response_due: date | None = None,
    letter: dict[str, Any] | None = None,
) -> None:
    """The office issues a proposed letter (签发), with its document number (and, when given, the
    letter's own content: a 约谈's meeting, a 督办's requirements)."""
    check(e, EscalationAct.issue)
    e.state, e.issued_at, e.issued_by, e.issued_on = EscalationState.issued, now, by, on
    e.doc_no = doc_no or e.doc_no
    e.reference = reference or e.reference
    e.response_due = response_due or e.response_due
    e.letter = letter or e.letter


def withdraw(e: Escalation, *, reason: str, now: datetime) -> None:
    """The office withdraws a letter in force (撤回)."""
    check(e, EscalationAct.withdraw)
    e.state, e.withdrawn_at, e.withdrawn_reason = EscalationState.withdrawn, now, reason


def respond(e: Escalation, *, response: str, by: str, now: datetime) -> None:
    """The addressed unit answers an issued letter in writing (回复)."""
    check(e, EscalationAct.respond)
    e.state, e.response, e.responded_at, e.responded_by = EscalationState.responded, response, now, by


def hand_letter(*, by: str, now: datetime, on: date, **fields: Any) -> Escalation:
    """A letter the office writes by hand: issued at once, keyed so that it never collides with a
    scan's letter (`fields` are the letter's own columns: round, level, task, addressee, …)."""
    return Escalation(
        rule="manual",
        dedupe_key=f"manual:{by}:{now.isoformat()}",
        trigger={"kind": "manual", "by": by},
        state=EscalationState.issued,
        as_of=on,
        created_at=now,
        issued_at=now,
        issued_by=by,
        issued_on=on,
        **fields,
    )


# --- many rows at once (the notifier's scan and scan withdrawal) --------------------------------


def resolve_where(ids: Select[Any], *, resolution: str, now: datetime) -> Update:
    """Resolve the escalations in force among `ids` (a SELECT of ids, locked in id order by the
    caller): their cause went away."""
    return (
        update(E)
        .where(E.c.id.in_(ids), E.c.state.in_(OPEN_STATES))
        .values(state=EscalationState.resolved, resolved_at=now, resolution=resolution)
    )


def withdraw_where(ids: Select[Any], *, reason: str, now: datetime) -> Update:
    """Withdraw the escalations in force among `ids` (a whole scan's, as one act)."""
    return (
        update(E)
        .where(E.c.id.in_(ids), E.c.state.in_(OPEN_STATES))
        .values(state=EscalationState.withdrawn, withdrawn_at=now, withdrawn_reason=reason)
    )
