"""The dashboard's problem figures on the fast path (`core.fast_reads`): `/stats/issues`, current
and as of a day. Today's are `fetch` only and run on a `ReadConnection`; a past day's (org names
and indicator judgements go through the ORM) run on a read session, as through FastAPI. The
petition and indicator figures join from their own domains (`petitions.fast`, `indicators.fast`):
this domain imports neither."""

from ..core.fast_reads import FastRead, unless
from . import router

#: the query parameters of a dashboard figure (the petition and indicator entries name the same)
FIGURES = frozenset({"round_id", "as_of"})

#: today's answer is kept (`router._today`) and given again while its rows are the same: its JSON is kept with it
STATS_READS = (
    FastRead("/api/v1/stats/issues", router.issue_stats, FIGURES, "ledger.read", unless("as_of"), kept=True),
)
