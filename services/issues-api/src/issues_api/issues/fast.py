"""The ledger's fast reads (`core.fast_reads`): the problem list (with its count too), a problem,
and the measure list.

The list and the detail run on a `ReadConnection` on PostgreSQL: everything they and the auth
dependencies run is `fetch` and `enter_tenant` (the work calendar, read when a problem is overdue,
too; the count of `with_total`). The list's `org_id` filter reads an Org entity, so that form gets
a session. So does the measure list's `org_id` and `responsible_org_id` forms; its other forms,
page and count, are `fetch` only and run on a connection.
"""

from ..core.fast_reads import FastRead, always, unless
from . import router

LEDGER_READS = (
    FastRead(
        path="/api/v1/issues",
        endpoint=router.list_issues,
        query=frozenset(
            {
                *("round_id", "status", "category", "org_id", "deadline_before", "q"),
                *("overdue", "as_of", "sort", "limit", "cursor", "with_total"),
            }
        ),
        permission="ledger.read",
        connection=unless("org_id"),
    ),
    FastRead(
        path="/api/v1/issues/{issue_id}",
        endpoint=router.get_issue,
        query=frozenset({"as_of"}),
        permission="ledger.read",
        connection=always,
    ),
    FastRead(
        path="/api/v1/measures",
        endpoint=router.list_measures,
        query=frozenset(
            {
                *("round_id", "issue_id", "status", "category", "org_id", "responsible_org_id"),
                *("overdue", "due_before", "as_of", "limit", "cursor", "with_total"),
            }
        ),
        permission="ledger.read",
        connection=unless("org_id", "responsible_org_id"),
    ),
)
