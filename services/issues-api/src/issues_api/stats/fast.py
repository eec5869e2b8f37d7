"""The dashboard's figures on the fast path (`core.fast_reads`): `/stats/issues`, `/stats/petitions`
and `/stats/indicators`, current and as of a day. Each reads its round through the ORM (and the
figures through ORM statements), so they run on a read session, as through FastAPI."""

from ..core.fast_reads import FastRead, never
from ..indicators import router as indicators
from ..petitions import stats as petitions
from . import router

FIGURES = frozenset({"round_id", "as_of"})

STATS_READS = (
    FastRead("/api/v1/stats/issues", router.issue_stats, FIGURES, "ledger.read", never),
    FastRead("/api/v1/stats/petitions", petitions.petition_stats, FIGURES, "ledger.read", never),
    FastRead("/api/v1/stats/indicators", indicators.indicator_stats, FIGURES, "ledger.read", never),
)
