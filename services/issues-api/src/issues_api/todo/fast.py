"""`GET /me/todo` on the fast path (`core.fast_reads`). Its sections are `fetch` only (columns,
statements built once), so it runs on a `ReadConnection` on PostgreSQL.

Its statements are planned once for any values (`FastRead.generic_plans`): an org's own rows by
its id, its subtree's measures by path range, no value whose rows differ in kind. Planning was most
of their PostgreSQL time under the API's forced custom plans. Measured at scale 1 (bench/, one
connection, a run of each statement prepared; custom → generic): a county unit's sections 1.64 →
0.47 ms and measures 2.45 → 1.29 ms; a city's 1.49 → 0.37 and 1.11 → 0.35 ms; the office's
sections (with the letters it has to issue) 2.17 → 3.37 ms and measures 1.36 → 0.32 ms; the
session's statement 0.33 → 0.24 ms in each."""

from ..core.fast_reads import FastRead, always
from . import router

TODO_READS = (
    FastRead(
        path="/api/v1/me/todo",
        endpoint=router.get_todo,
        query=frozenset({"org_id", "round_id", "as_of", "limit"}),
        permission="ledger.read",
        connection=always,
        generic_plans=True,
    ),
)
