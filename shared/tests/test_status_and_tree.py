"""Pure policy: the status transition table and materialised-path subtree ranges."""

from hypothesis import given
from hypothesis import strategies as st

from rectify_shared.enums import IssueStatus as S
from rectify_shared.status import ISSUE_TRANSITIONS, allowed_targets, is_allowed, needs_reason
from rectify_shared.tree import child_path, subtree_bounds


def test_published_transition_table():
    assert allowed_targets(S.not_started) == (S.in_progress,)
    assert set(allowed_targets(S.in_progress)) == {S.completed, S.completed_long_term}
    assert allowed_targets(S.completed) == (S.in_progress,)
    assert allowed_targets(S.completed_long_term) == (S.in_progress,)
    assert allowed_targets(S.closed) == ()


def test_closed_is_never_a_direct_target():
    assert all(S.closed not in targets for targets in ISSUE_TRANSITIONS.values())
    assert not any(is_allowed(s, S.closed) for s in S)


def test_only_reopening_needs_a_reason():
    assert needs_reason(S.completed, S.in_progress) and needs_reason(S.completed_long_term, S.in_progress)
    assert not needs_reason(S.not_started, S.in_progress) and not needs_reason(S.in_progress, S.completed)


paths = st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=6).map(
    lambda ids: "/" + "".join(f"{i}/" for i in ids)
)


@given(paths, paths)
def test_subtree_range_is_exactly_the_prefix(root, other):
    lo, hi = subtree_bounds(root)
    assert (lo <= other < hi) == other.startswith(root)


@given(paths, st.integers(min_value=1, max_value=10**9))
def test_a_child_is_inside_its_parents_range(parent, child_id):
    lo, hi = subtree_bounds(parent)
    assert lo <= child_path(parent, child_id) < hi
