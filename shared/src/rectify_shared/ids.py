"""Time-ordered 63-bit ids for the big append-only tables.

Those tables carry `created_at` in their primary key (so PostgreSQL can partition them by
month), which rules out a plain autoincrement on SQLite; ids are made here instead.
Layout: 41 bits of milliseconds since 2024-01-01 UTC, 22 bits of randomness.
"""

import secrets
import time

_EPOCH_MS = 1_704_067_200_000


def new_id() -> int:
    ms = int(time.time() * 1000) - _EPOCH_MS
    return (ms << 22) | secrets.randbits(22)
