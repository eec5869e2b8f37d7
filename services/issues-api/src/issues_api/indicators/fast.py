"""`/stats/indicators` on the fast path (`core.fast_reads`): a read session always (the judgement
of the indicators is rebuilt through the ORM when their rows change), as through FastAPI."""

from ..core.fast_reads import FastRead, never
from . import router

INDICATOR_READS = (
    FastRead(
        "/api/v1/stats/indicators", router.indicator_stats, frozenset({"round_id", "as_of"}), "ledger.read", never
    ),
)
