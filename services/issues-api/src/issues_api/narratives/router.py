from typing import Annotated

from fastapi import APIRouter, Query

from rectify_shared.models import InspectionRound, Org

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
    round_id: int, principal: LedgerReader, session: SessionDep, org_id: OrgQuery = None
) -> NarrativeRead:
    """The narrative sections of the org's progress report (整改落实情况报告) on the round; empty until written."""
    _, org = await _scope(session, principal, round_id, org_id)
    assert org.id is not None
    stored = await read(session, round_id, org.id)
    if stored is None:
        return NarrativeRead(round_id=round_id, org_id=org.id, sections=[], updated_by=None, updated_at=None)
    sections, updated_by, updated_at = stored
    return NarrativeRead(
        round_id=round_id,
        org_id=org.id,
        sections=[NarrativeSection.model_validate(s) for s in sections],
        updated_by=updated_by,
        updated_at=updated_at,
    )


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
