"""`/stats/petitions` on the fast path (`core.fast_reads`): today's figures are one `fetch` of sums
and run on a `ReadConnection`; a past day's run on a read session, as through FastAPI."""

from ..core.fast_reads import FastRead, unless
from . import stats

PETITION_READS = (
    FastRead(
        "/api/v1/stats/petitions",
        stats.petition_stats,
        frozenset({"round_id", "as_of"}),
        "ledger.read",
        unless("as_of"),
    ),
)
