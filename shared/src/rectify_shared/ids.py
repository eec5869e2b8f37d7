"""Time-ordered 63-bit ids for the big append-only tables, and how every id goes out in JSON.

Those tables carry `created_at` in their primary key (so PostgreSQL can partition them by
month), which rules out a plain autoincrement on SQLite; ids are made here instead.
Layout: 41 bits of milliseconds since 2024-01-01 UTC, 22 bits of randomness.

The JSON rule (README "The API in brief", the OpenAPI description): a JavaScript number holds an
integer exactly only up to 2⁵³−1, and these ids are about 2⁵⁸ (any id made after 2024-01-01
00:35 UTC is above 2⁵³). So:

* ids of these tables — progress reports, audit records, outbox events (the change feed and
  webhooks), deliveries, receipts, notifier messages and digests — are **decimal strings** in
  JSON, every time and in every field that holds one (`WideId` below; a request may send the
  string or, from a language with 64-bit integers, the number);
* every other id is a serial integer, far below 2⁵³−1, and stays a JSON number.

The 63 bits stay: 22 random bits a millisecond make two replicas' ids collide about once in
4 million same-millisecond pairs, and stored rows (the audit chain hashes its own) are never
rewritten. Stored event payloads are JSON as written; `js_safe` turns any integer beyond
2⁵³−1 in them into its string when they are served.
"""

import secrets
import time
from typing import Annotated, Any

from pydantic import PlainSerializer, WithJsonSchema

_EPOCH_MS = 1_704_067_200_000

#: the largest integer a JavaScript number (IEEE double) holds exactly
JS_MAX_SAFE_INTEGER = 2**53 - 1

#: the JSON Schema of a wide id: what clients see (a string of digits)
WIDE_ID_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": "^[1-9][0-9]{0,18}$",
    "description": "A 63-bit id as a decimal string (exact in JavaScript) / 63 位编号，以十进制字符串表示",
    "examples": ["388049409119663637"],
}

#: a 63-bit id of the big tables: an `int` in Python, a decimal string in JSON (and accepted as either)
WideId = Annotated[
    int,
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(WIDE_ID_SCHEMA),
]


def new_id() -> int:
    ms = int(time.time() * 1000) - _EPOCH_MS
    return (ms << 22) | secrets.randbits(22)


def js_safe(value: Any) -> Any:
    """`value` (decoded JSON) with every integer beyond ±(2⁵³−1) as its decimal string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > JS_MAX_SAFE_INTEGER else value
    if isinstance(value, dict):
        return {k: js_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [js_safe(v) for v in value]
    return value
