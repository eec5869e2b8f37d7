"""`core.kept.Kept`: the bounded, token-keyed LRU map every kept answer uses."""

import pytest

from issues_api.core.kept import Kept


def test_a_kept_answer_is_given_under_its_token_only():
    kept: Kept[str, bytes] = Kept(4)
    assert kept.get("a", 1) is None
    kept.put("a", 1, b"one")
    assert kept.get("a", 1) == b"one"
    assert kept.get("a", 2) is None  # a stale token is a miss
    assert kept.entry("a") == (1, b"one")  # and the stale answer stays until replaced
    assert kept.get("b", 1) is None


def test_tokens_compare_by_identity_then_equality():
    class Never:
        def __eq__(self, other: object) -> bool:
            return False

        __hash__ = object.__hash__

    token = Never()
    kept: Kept[int, str] = Kept(2)
    kept.put(1, token, "x")
    assert kept.get(1, token) == "x"  # the same object, even one equal to nothing
    assert kept.get(1, Never()) is None
    kept.put(2, (1, None), "y")
    assert kept.get(2, (1, None)) == "y"  # an equal tuple
    kept.put(3, None, "z")
    assert kept.get(3) == "z"  # no token: the key alone


def test_a_new_put_replaces_the_answer_and_its_token():
    kept: Kept[str, bytes] = Kept(4, max_bytes=100)
    kept.put("a", 1, b"one", size=3)
    kept.put("a", 2, b"two!", size=4)
    assert len(kept) == 1 and kept.size == 4
    assert kept.get("a", 1) is None
    assert kept.get("a", 2) == b"two!"


def test_the_least_recently_used_goes_first_past_the_count():
    kept: Kept[int, int] = Kept(3)
    for n in range(3):
        kept.put(n, 0, n)
    assert kept.get(0, 0) == 0  # used: now the newest
    kept.put(3, 0, 3)
    assert list(kept) == [2, 0, 3]
    assert 1 not in kept
    kept.put(2, 1, 2)  # put again: the newest, nothing evicted
    assert list(kept) == [0, 3, 2]
    assert kept.entry(0) == (0, 0)  # entry leaves the order alone
    assert list(kept) == [0, 3, 2]


def test_the_least_recently_used_goes_first_past_the_bytes():
    kept: Kept[int, bytes] = Kept(10, max_bytes=10)
    for n in range(5):
        kept.put(n, None, b"abcd", size=4)
    assert list(kept) == [3, 4] and kept.size == 8
    kept.put(9, None, b"x" * 50, size=50)  # the newest is kept even when larger on its own
    assert list(kept) == [9] and kept.size == 50
    kept.put(10, None, b"ab", size=2)
    kept.put(11, None, b"ab", size=2)
    assert list(kept) == [10, 11] and kept.size == 4
    kept.clear()
    assert len(kept) == 0 and kept.size == 0


def test_a_map_bounded_by_bytes_needs_sizes():
    with pytest.raises(ValueError):
        Kept(1, max_bytes=10).put(1, None, b"x")
    with pytest.raises(ValueError):
        Kept(0)
