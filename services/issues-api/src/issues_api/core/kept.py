"""Answers kept per process under a change token: a small bounded LRU map.

Every kept answer in the API is the same shape: a key (round, scope, day, …) maps to the token the
answer was made under (a row version read *before* its rows) and the answer; a request whose token
equals the kept one gives the kept answer again. `Kept` bounds them by count and, optionally, by
bytes, evicting the least recently used. None of its methods awaits, so under asyncio each call is
atomic: a request between a `get` and a `put` of another may only make the kept answer newer or
older as a whole, never half of one.
"""

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """At most `max_items` answers and, when `max_bytes` is given, at most that many bytes in all
    (each answer's `size`, given to `put`); the newest answer is kept even when larger on its own."""

    __slots__ = ("_bytes", "_entries", "max_bytes", "max_items")

    def __init__(self, max_items: int, max_bytes: int | None = None) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._entries: OrderedDict[K, tuple[Any, V, int]] = OrderedDict()
        self._bytes = 0

    def get(self, key: K, token: Any = None) -> V | None:
        """The answer kept under `key` when it was made under `token` (the same object, or an
        equal one), now the most recently used; else None (a stale token is a miss, and the stale
        answer stays until replaced or evicted)."""
        entry = self._entries.get(key)
        if entry is None or not (entry[0] is token or entry[0] == token):
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def entry(self, key: K) -> tuple[Any, V] | None:
        """(the token, the answer) kept under `key`, whatever the token; its recency unchanged (a
        caller that judges the token itself `put`s the answer again on a hit)."""
        entry = self._entries.get(key)
        return None if entry is None else (entry[0], entry[1])

    def put(self, key: K, token: Any, value: V, size: int | None = None) -> None:
        """Keep `value` under `key` and `token` as the most recently used, replacing what was kept
        under `key`; then evict the least recently used past the bounds. `size` (bytes) is required
        when the map is bounded by bytes."""
        if size is None:
            if self.max_bytes is not None:
                raise ValueError("a map bounded by bytes needs each answer's size")
            size = 0
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[2]
        self._entries[key] = (token, value, size)
        self._bytes += size
        entries = self._entries
        while len(entries) > 1 and (
            len(entries) > self.max_items or (self.max_bytes is not None and self._bytes > self.max_bytes)
        ):
            self._bytes -= entries.popitem(last=False)[1][2]

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    @property
    def size(self) -> int:
        """The bytes kept (the sum of the `size`s given)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[K]:
        """The keys, least recently used first."""
        return iter(self._entries)
