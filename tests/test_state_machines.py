"""Escalation and delivery states live in shared (issue 28 item 3), like `status.py` and
`closure_workflow.py`: one enum, its moves and its Chinese text each; the services compare
against the enums, and the notifier names the ledger's statuses through `rectify_shared`."""

import re
import typing
from pathlib import Path

from rectify_shared import delivery_states, escalation_state, escalation_states
from rectify_shared.delivery_states import DeliveryState
from rectify_shared.escalation_states import ACTS, OPEN_STATES, STATE_TEXT, TRANSITIONS, EscalationState

ROOT = Path(__file__).resolve().parents[1]
ESCALATION_WORDS = "proposed|issued|responded|resolved|withdrawn"
DELIVERY_WORDS = "|".join(s.value for s in DeliveryState)


def _sources() -> list[Path]:
    roots = [ROOT / "shared/src", *sorted((ROOT / "services").glob("*/src"))]
    skip = {
        ROOT / "shared/src/rectify_shared/escalation_states.py",
        ROOT / "shared/src/rectify_shared/delivery_states.py",
    }
    return [p for r in roots for p in r.rglob("*.py") if "migrations" not in p.parts and p not in skip]


def test_escalation_machine() -> None:
    assert set(STATE_TEXT) == set(EscalationState) == set(ACTS) == set(TRANSITIONS)
    # every act leads where the writer puts the row; the final states allow nothing
    assert TRANSITIONS[EscalationState.proposed] == (
        EscalationState.issued, EscalationState.resolved, EscalationState.withdrawn,
    )  # fmt: skip
    assert TRANSITIONS[EscalationState.resolved] == TRANSITIONS[EscalationState.withdrawn] == ()
    assert set(OPEN_STATES) == {s for s in EscalationState if EscalationState.resolved in TRANSITIONS[s]}
    # the writer module keeps its old names (callers in both services use them)
    assert escalation_state.OPEN_STATES is OPEN_STATES and escalation_state.STATE_TEXT is STATE_TEXT
    # a person's illegal act lists the allowed acts as plain words (the API's 409 says them)
    err = escalation_state.IllegalTransition("issued", "issue")
    assert err.allowed == ["respond", "withdraw"] and "EscalationAct" not in str(err.allowed)


def test_escalation_api_states_are_the_machines() -> None:
    from issues_api.escalations.schemas import State

    assert set(typing.get_args(State)) == {s.value for s in EscalationState}


def test_delivery_machine() -> None:
    D = DeliveryState
    assert set(delivery_states.STATE_TEXT) == set(D) == set(delivery_states.TRANSITIONS)
    assert delivery_states.may_retry("failed") and not delivery_states.may_retry("sent")
    assert delivery_states.may_move("failed", "pending") and not delivery_states.may_move("sent", "pending")
    # what the sender waits for, and what a withdrawn scan suppresses, can all still move
    for state in (*delivery_states.DUE_STATES, *delivery_states.UNSENT_STATES):
        assert delivery_states.TRANSITIONS[state], state
    for state in delivery_states.UNSENT_STATES:
        assert delivery_states.may_move(state, D.suppressed)


def test_no_service_compares_states_by_bare_strings() -> None:
    """A state written or compared as a bare word (`e.state == "issued"`, `state="failed"`) in the
    code that reads escalation or delivery rows: they are `EscalationState` / `DeliveryState`."""
    esc = re.compile(rf"(\.state|\bstate\b)\s*(==|!=|=)\s*\"({ESCALATION_WORDS})\"")
    dlv = re.compile(rf"(\.state|\bstate\b)\s*(==|!=|=)\s*\"({DELIVERY_WORDS})\"")
    delivery_modules = ("notifier/delivery/", "notifications/", "escalation/rehearsal.py", "metrics/gauges.py")
    found = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(ROOT))
        for n, line in enumerate(text.splitlines(), 1):
            if "escalation" in text.lower() and esc.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
            if any(m in rel for m in delivery_modules) and dlv.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == []


def test_the_notifier_does_not_respell_the_ledger_statuses() -> None:
    text = (ROOT / "services/notifier/src/notifier/escalation/model.py").read_text(encoding="utf-8")
    for word in ('"not_started"', '"in_progress"', '"completed_long_term"', '"completed"'):
        assert word not in text, word
    from notifier.escalation import model
    from rectify_shared.enums import IssueStatus
    from rectify_shared.status import OPEN_ISSUE_STATUSES

    assert model.OPEN_ISSUE_STATUSES is OPEN_ISSUE_STATUSES
    assert model.ATTESTING_ISSUE_STATUS is IssueStatus.completed_long_term
    assert escalation_states.OPEN_STATES is model.OPEN_STATES


def test_a_letters_state_reads_the_same_everywhere() -> None:
    """The API document's labels (which clients and pickers show) and the dispatch summary's
    状态 column name a letter's state in the state machine's own words: a clerk who reads 拟办 on
    the console does not read 拟制 in a provincial client nor 已办结 in the summary."""
    from issues_api.apidocs.enum_labels import labels
    from report_worker.render import dispatch_summary

    states = list(EscalationState)
    assert labels(None, states) == [STATE_TEXT[s] for s in states]
    assert dispatch_summary.STATE_TEXT is STATE_TEXT
    assert STATE_TEXT[EscalationState.proposed] == "拟办" and STATE_TEXT[EscalationState.resolved] == "已解除"
