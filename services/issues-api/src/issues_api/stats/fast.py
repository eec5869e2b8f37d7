"""The dashboard's problem figures on the fast path (`core.fast_reads`): `/stats/issues`, current
and as of a day, both `fetch` only and run on a `ReadConnection` (`stats.tally`, `stats.asof`). The
petition and indicator figures join from their own domains (`petitions.fast`, `indicators.fast`):
this domain imports neither."""

from ..core.fast_reads import FastRead, always
from . import router

#: the query parameters of a dashboard figure (the petition and indicator entries name the same)
FIGURES = frozenset({"round_id", "as_of"})

#: today's answer is kept (`router._today`) and given again while its rows are the same: its JSON is kept with it
#: (a past day's answer is its JSON, kept by `router._past`)
STATS_READS = (FastRead("/api/v1/stats/issues", router.issue_stats, FIGURES, "ledger.read", always, kept=True),)
