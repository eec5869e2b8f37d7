from typing import Annotated

from fastapi import APIRouter, Query

from ..auth.deps import LedgerReader, RoundsWriter
from ..core.deps import SessionDep
from ..core.errors import errors
from . import service
from .schemas import NarrativeRead, NarrativeWrite

router = APIRouter(prefix="/api/v1/rounds", tags=["narratives"])

OrgQuery = Annotated[
    int | None, Query(description="The reporting org (its subtree must hold it); default: the round's office")
]


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
    return await service.get(session, principal, round_id, org_id, filled=filled)


@router.put("/{round_id}/narrative", response_model=NarrativeRead, responses=errors(404, 415, 422))
async def put_narrative(
    round_id: int, data: NarrativeWrite, principal: RoundsWriter, session: SessionDep, org_id: OrgQuery = None
) -> NarrativeRead:
    """Replace the narrative sections (audited). Headings and paragraphs are printed verbatim,
    numbering included; the report computes its title and opening paragraph itself."""
    return await service.put(session, principal, round_id, org_id, data)
