"""`/stats/petitions` on the fast path (`core.fast_reads`): today's figures (the change token, and
the sums when it changed) and a past day's (one statement of sums) are `fetch` only and run on a
`ReadConnection`."""

from ..core.fast_reads import FastRead, always
from . import stats

PETITION_READS = (
    FastRead(
        "/api/v1/stats/petitions",
        stats.petition_stats,
        frozenset({"round_id", "as_of"}),
        "ledger.read",
        always,
    ),
)
