"""`steady_heap`: the startup heap out of the collector's reach while a service runs, and back after."""

import gc
import weakref

from rectify_shared.heap import YOUNG_THRESHOLD, steady_heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_startup_heap_is_frozen_while_running_and_released_after():
    before = gc.get_threshold()
    alive_at_start = len(gc.get_objects())
    with steady_heap():
        # everything alive at startup is out of every collection's walk ...
        assert gc.get_freeze_count() >= alive_at_start
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    # ... and only while the service runs: nothing stays frozen, the thresholds are as they were
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_cycles_made_while_running_are_still_collected():
    with steady_heap():
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
