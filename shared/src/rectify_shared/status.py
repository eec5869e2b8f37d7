"""The published issue status transition table, as plain data and a pure check.

`closed` (已销号) is reachable only through the write-off workflow, never by a direct change.
"""

from .enums import MEASURE_DONE, IssueStatus, MeasureStatus

S = IssueStatus

#: work still owed: the statuses the escalation ladder watches (finished work is attested, not chased)
OPEN_ISSUE_STATUSES: tuple[IssueStatus, ...] = (S.not_started, S.in_progress)

#: status -> statuses a direct change (PATCH) may move it to
ISSUE_TRANSITIONS: dict[IssueStatus, tuple[IssueStatus, ...]] = {
    S.not_started: (S.in_progress,),
    S.in_progress: (S.completed, S.completed_long_term),
    S.completed: (S.in_progress,),
    S.completed_long_term: (S.in_progress,),
    S.closed: (),
}

#: transitions that must carry a reason (re-opening finished work)
REASON_REQUIRED: frozenset[tuple[IssueStatus, IssueStatus]] = frozenset(
    {(S.completed, S.in_progress), (S.completed_long_term, S.in_progress)}
)


def allowed_targets(current: IssueStatus) -> tuple[IssueStatus, ...]:
    return ISSUE_TRANSITIONS[current]


def is_allowed(current: IssueStatus, target: IssueStatus) -> bool:
    return target in ISSUE_TRANSITIONS[current]


def needs_reason(current: IssueStatus, target: IssueStatus) -> bool:
    return (current, target) in REASON_REQUIRED


#: the changes only the closure workflow makes (验收 sets completed*, an upheld 异议 reopens, 销号 closes,
#: a relapse — 反弹 — reopens finished work, even written off)
WORKFLOW_TRANSITIONS: dict[IssueStatus, tuple[IssueStatus, ...]] = {
    S.not_started: (S.completed, S.completed_long_term),
    S.in_progress: (S.completed, S.completed_long_term),
    S.completed: (S.in_progress, S.closed, S.completed_long_term),
    S.completed_long_term: (S.in_progress, S.closed),
    S.closed: (S.in_progress,),
}

#: the statuses a relapse (反弹) reopens: finished work
RELAPSE_FROM: frozenset[IssueStatus] = frozenset({S.completed, S.completed_long_term, S.closed})


def workflow_allows(current: IssueStatus, target: IssueStatus) -> bool:
    return target in WORKFLOW_TRANSITIONS[current]


# --- measures: the responsible unit moves its own; the office overrides, with a reason ---

M = MeasureStatus

#: measure status -> statuses the responsible unit may move it to itself
UNIT_MEASURE_TRANSITIONS: dict[MeasureStatus, tuple[MeasureStatus, ...]] = {
    M.not_started: (M.in_progress,),
    M.in_progress: (M.completed,),
    M.completed: (M.in_progress,),
    M.waived: (),
}

#: issue status -> statuses the lead unit may move its problem to itself
UNIT_ISSUE_TRANSITIONS: dict[IssueStatus, tuple[IssueStatus, ...]] = {S.not_started: (S.in_progress,)}


def unit_may_move_measure(current: MeasureStatus, target: MeasureStatus) -> bool:
    return target in UNIT_MEASURE_TRANSITIONS[current]


def unit_may_move_issue(current: IssueStatus, target: IssueStatus) -> bool:
    return target in UNIT_ISSUE_TRANSITIONS.get(current, ())


def office_override_measure(current: MeasureStatus, target: MeasureStatus) -> bool:
    """A change the office makes outside the unit's own table (waiving included): it needs a reason."""
    return not unit_may_move_measure(current, target)


def is_open_measure(status: MeasureStatus | str) -> bool:
    """A measure that still holds its issue open: neither completed nor waived by the office."""
    return MeasureStatus(status) not in MEASURE_DONE
