"""GET /stats/petitions: petition figures as of a day, in the caller's scope."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from rectify_shared.enums import PetitionState, PetitionVerdict
from rectify_shared.petition_stats import aggregate, case_rows

from ..auth.deps import LedgerReader
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.instants import IsoDate
from ..rounds import repository as rounds
from . import repository

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


class LocalityCounts(BaseModel):
    org_id: int
    org_name: str
    total: int
    by_state: dict[PetitionState, int]


class PetitionStats(BaseModel):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "round_id": 1,
                    "as_of": "2024-12-15",
                    "batches": 29,
                    "batch_nos": [1, 2, 29],
                    "total": 91,
                    "by_state": {"in_progress": 0, "closed_in_stage": 0, "closed": 91},
                    "by_verdict": {
                        "substantiated": 40,
                        "partly_substantiated": 20,
                        "largely_substantiated": 11,
                        "unsubstantiated": 20,
                    },
                    "unjudged": 0,
                    "by_locality": [],
                    "by_pollution_type": {"air": 30},
                    "closure_rate": 1.0,
                    "unsubstantiated_rate": 0.2198,
                    "repeat_rate": 0.033,
                    "key_attention": 5,
                    "certified": 91,
                    "accountability": {"ordered_rectification": 52, "fine_yuan": 1830000},
                }
            ]
        }
    }

    round_id: int | None
    as_of: date | None = Field(description="States as they stood at the end of this day (China time); null = now")
    batches: int = Field(description="Batches (批) with at least one case in scope")
    batch_nos: list[int]
    total: int
    by_state: dict[PetitionState, int]
    by_verdict: dict[PetitionVerdict, int]
    unjudged: int = Field(description="Cases without a verdict yet")
    by_locality: list[LocalityCounts] = Field(description="By locality (旗县), in tree order")
    by_pollution_type: dict[str, int] = Field(
        description="By pollution type code (GET /pollution-types); a case of several types counts under each"
    )
    closure_rate: float | None = Field(description="办结率: closed (已办结) / total; null without cases")
    unsubstantiated_rate: float | None = Field(description="不属实 / cases with a verdict")
    repeat_rate: float | None = Field(description="Repeat complaints (重复举报) / total")
    key_attention: int
    certified: int = Field(description="Closed cases with their certifying department recorded")
    accountability: dict[str, int] = Field(description="Sums of the accountability counts and fine_yuan")


@router.get("/petitions", response_model=PetitionStats, responses=errors(404, 422))
async def petition_stats(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Count states as of the end of this day")] = None,
) -> PetitionStats:
    """Totals of the caller's petition cases by state, verdict, locality and pollution type, the
    closure, unsubstantiated and repeat rates, and the accountability sums — now or as of a day."""
    if round_id is not None and await rounds.get_visible(session, principal, round_id) is None:
        raise not_found("督察轮次", "Inspection round")
    rows = (await session.execute(case_rows(round_id, as_of, repository.visible(principal.scope)))).all()
    f = aggregate(rows)
    return PetitionStats(
        round_id=round_id,
        as_of=as_of,
        batches=f.batches,
        batch_nos=f.batch_nos,
        total=f.total,
        by_state=f.by_state,
        by_verdict=f.by_verdict,
        unjudged=f.unjudged,
        by_locality=[
            LocalityCounts(org_id=x.org_id, org_name=x.name, total=x.total, by_state=x.by_state) for x in f.by_locality
        ],
        by_pollution_type=f.by_pollution_type,
        closure_rate=f.closure_rate,
        unsubstantiated_rate=f.unsubstantiated_rate,
        repeat_rate=f.repeat_rate,
        key_attention=f.key_attention,
        certified=f.certified,
        accountability=f.accountability,
    )
