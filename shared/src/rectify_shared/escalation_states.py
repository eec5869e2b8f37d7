"""The escalation (督办) state machine as plain data: the states, the people's acts each state
allows, and the Chinese display text. The one module that changes escalation rows is
`escalation_state` (the writer); this one only names and checks.

    proposed ──issue──▶ issued ──respond──▶ responded
        └──────────────┴──────────────────────┴──withdraw (a person) ──▶ withdrawn
                                                 └─resolve (the scan: its cause went away) ──▶ resolved
"""

from enum import StrEnum


class EscalationState(StrEnum):
    proposed = "proposed"  # 拟办: the scan proposed it, the office has not issued it yet
    issued = "issued"  # 已签发
    responded = "responded"  # 已回复
    resolved = "resolved"  # 已解除: its cause went away (the scan)
    withdrawn = "withdrawn"  # 已撤回


class EscalationAct(StrEnum):
    issue = "issue"
    withdraw = "withdraw"
    respond = "respond"


E = EscalationState
A = EscalationAct

#: escalations still in force: a cause that goes away resolves these, a person may withdraw them
OPEN_STATES: tuple[EscalationState, ...] = (E.proposed, E.issued, E.responded)
#: states an escalation never leaves
FINAL_STATES: tuple[EscalationState, ...] = (E.resolved, E.withdrawn)
#: state -> the people's acts allowed from it
ACTS: dict[str, frozenset[str]] = {
    E.proposed: frozenset({A.issue, A.withdraw}),
    E.issued: frozenset({A.withdraw, A.respond}),
    E.responded: frozenset({A.withdraw}),
    E.resolved: frozenset(),
    E.withdrawn: frozenset(),
}
#: act -> the state it leads to
ACT_TARGET: dict[str, EscalationState] = {A.issue: E.issued, A.withdraw: E.withdrawn, A.respond: E.responded}
#: every legal move (the people's acts, and the scan's resolve of a letter in force)
TRANSITIONS: dict[EscalationState, tuple[EscalationState, ...]] = {
    s: tuple(sorted({ACT_TARGET[a] for a in ACTS[s]} | ({E.resolved} if s in OPEN_STATES else set())))
    for s in EscalationState
}
ACT_TEXT: dict[str, str] = {A.issue: "签发", A.withdraw: "撤回", A.respond: "回复"}
STATE_TEXT: dict[str, str] = {
    E.proposed: "拟办",
    E.issued: "已签发",
    E.responded: "已回复",
    E.resolved: "已解除",
    E.withdrawn: "已撤回",
}


def allowed_acts(state: str) -> frozenset[str]:
    return ACTS.get(state, frozenset())


def is_open(state: str) -> bool:
    return state in OPEN_STATES
