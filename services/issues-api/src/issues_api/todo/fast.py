"""`GET /me/todo` on the fast path (`core.fast_reads`). Its sections are ORM statements (letters
and closures are entities), so it runs on a read session, as through FastAPI."""

from ..core.fast_reads import FastRead, never
from . import router

TODO_READS = (
    FastRead(
        path="/api/v1/me/todo",
        endpoint=router.get_todo,
        query=frozenset({"org_id", "round_id", "as_of", "limit"}),
        permission="ledger.read",
        connection=never,
    ),
)
