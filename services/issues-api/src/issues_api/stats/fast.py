"""The dashboard's figures on the fast path (`core.fast_reads`): `/stats/issues`, `/stats/petitions`
and `/stats/indicators`, current and as of a day. Today's figures of problems and petitions are
`fetch` only and run on a `ReadConnection`; a past day's (org names and indicator judgements go
through the ORM) and the indicators (their judgement is rebuilt through the ORM when their rows
change) run on a read session, as through FastAPI."""

from ..core.fast_reads import FastRead, never, unless
from ..indicators import router as indicators
from ..petitions import stats as petitions
from . import router

FIGURES = frozenset({"round_id", "as_of"})

STATS_READS = (
    FastRead("/api/v1/stats/issues", router.issue_stats, FIGURES, "ledger.read", unless("as_of")),
    FastRead("/api/v1/stats/petitions", petitions.petition_stats, FIGURES, "ledger.read", unless("as_of")),
    FastRead("/api/v1/stats/indicators", indicators.indicator_stats, FIGURES, "ledger.read", never),
)
