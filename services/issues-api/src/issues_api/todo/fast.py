"""`GET /me/todo` on the fast path (`core.fast_reads`). Its sections are `fetch` only (columns,
statements built once), so it runs on a `ReadConnection` on PostgreSQL."""

from ..core.fast_reads import FastRead, always
from . import router

TODO_READS = (
    FastRead(
        path="/api/v1/me/todo",
        endpoint=router.get_todo,
        query=frozenset({"org_id", "round_id", "as_of", "limit"}),
        permission="ledger.read",
        connection=always,
    ),
)
