from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col

from rectify_shared.indicator_phrases import expand, words
from rectify_shared.indicator_rows import judge
from rectify_shared.models import Indicator, InspectionRound, Org
from rectify_shared.timezone import today
from rectify_shared.tree import in_subtree

from ..auth.deps import LedgerReader, RoundsWriter
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..rounds import repository as rounds
from . import read, replace
from .schemas import NarrativeRead, NarrativeSection, NarrativeWrite

router = APIRouter(prefix="/api/v1/rounds", tags=["narratives"])

OrgQuery = Annotated[
    int | None, Query(description="The reporting org (its subtree must hold it); default: the round's office")
]


async def _scope(
    session: SessionDep, principal: Principal, round_id: int, org_id: int | None
) -> tuple[InspectionRound, Org]:
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None:
        raise not_found("督察轮次", "Inspection round")
    org = await session.get(Org, org_id if org_id is not None else rnd.org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise not_found("单位", "Org")
    return rnd, org


@router.get("/{round_id}/narrative", response_model=NarrativeRead, responses=errors(404, 422))
async def get_narrative(
    round_id: int,
    principal: LedgerReader,
    session: SessionDep,
    org_id: OrgQuery = None,
    filled: Annotated[
        bool, Query(description="Also the sections with their {{指标:…}} placeholders filled in as of today")
    ] = False,
) -> NarrativeRead:
    """The narrative sections of the org's progress report (整改落实情况报告) on the round; empty until written."""
    _, org = await _scope(session, principal, round_id, org_id)
    assert org.id is not None
    stored = await read(session, round_id, org.id)
    if stored is None:
        empty: list[NarrativeSection] | None = [] if filled else None
        return NarrativeRead(
            round_id=round_id, org_id=org.id, sections=[], updated_by=None, updated_at=None, filled_sections=empty
        )
    raw, updated_by, updated_at = stored
    sections = [NarrativeSection.model_validate(s) for s in raw]
    return NarrativeRead(
        round_id=round_id,
        org_id=org.id,
        sections=sections,
        updated_by=updated_by,
        updated_at=updated_at,
        filled_sections=await _filled(session, round_id, org.path, sections) if filled else None,
    )


async def _filled(
    session: SessionDep, round_id: int, org_path: str, sections: list[NarrativeSection]
) -> list[NarrativeSection]:
    """The placeholders in the words the report prints today (its indicators: the round's in the org's subtree)."""
    where = [col(Indicator.round_id) == round_id, in_subtree(col(Indicator.org_path), org_path)]
    known = [words(j.indicator.id or 0, j.spec, j.reported, j.figures) for j in await judge(session, where, today())]
    return [
        NarrativeSection.model_construct(
            heading=expand(s.heading, known), paragraphs=[expand(p, known) for p in s.paragraphs]
        )
        for s in sections
    ]


@router.put("/{round_id}/narrative", response_model=NarrativeRead, responses=errors(404, 415, 422))
async def put_narrative(
    round_id: int, data: NarrativeWrite, principal: RoundsWriter, session: SessionDep, org_id: OrgQuery = None
) -> NarrativeRead:
    """Replace the narrative sections (audited). Headings and paragraphs are printed verbatim,
    numbering included; the report computes its title and opening paragraph itself."""
    _, org = await _scope(session, principal, round_id, org_id)
    assert org.id is not None
    sections = [s.model_dump() for s in data.sections]
    updated_at = await replace(session, principal, round_id, org, sections)
    await session.commit()
    return NarrativeRead(
        round_id=round_id, org_id=org.id, sections=data.sections, updated_by=principal.name, updated_at=updated_at
    )
