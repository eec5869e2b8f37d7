"""A round's narrative per reporting org: who may read or replace it, and the audited replacement."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import InternalEventType, internal
from rectify_shared.indicator_phrases import expand, words
from rectify_shared.indicator_rows import judge
from rectify_shared.models import Indicator, InspectionRound, Org, RoundNarrative
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today
from rectify_shared.tree import in_subtree

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.errors import not_found
from ..outbox.writer import record_event
from ..rounds import repository as rounds
from .repository import insert_if_absent, read
from .schemas import NarrativeRead, NarrativeSection, NarrativeWrite


async def _scope(
    session: AsyncSession, principal: Principal, round_id: int, org_id: int | None
) -> tuple[InspectionRound, Org]:
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None:
        raise not_found("督察轮次", "Inspection round")
    org = await session.get(Org, org_id if org_id is not None else rnd.org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise not_found("单位", "Org")
    return rnd, org


async def get(
    session: AsyncSession, principal: Principal, round_id: int, org_id: int | None, *, filled: bool = False
) -> NarrativeRead:
    """The stored sections; with `filled`, also as the report prints them today."""
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
    session: AsyncSession, round_id: int, org_path: str, sections: list[NarrativeSection]
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


async def put(
    session: AsyncSession, principal: Principal, round_id: int, org_id: int | None, data: NarrativeWrite
) -> NarrativeRead:
    """Replace the narrative, audited, and commit."""
    _, org = await _scope(session, principal, round_id, org_id)
    assert org.id is not None
    sections = [s.model_dump() for s in data.sections]
    updated_at = await replace(session, principal, round_id, org, sections)
    await session.commit()
    return NarrativeRead(
        round_id=round_id, org_id=org.id, sections=data.sections, updated_by=principal.name, updated_at=updated_at
    )


async def replace(
    session: AsyncSession, principal: Principal, round_id: int, org: Org, sections: list[dict[str, Any]]
) -> datetime:
    """Write the narrative (the caller commits); concurrent writers are serialised on the row."""
    assert org.id is not None
    now = utcnow()
    text = {"sections": sections, "updated_by": principal.name, "updated_at": now}
    before: list[dict[str, Any]] | None = None
    inserted = await session.execute(insert_if_absent(session, {"round_id": round_id, "org_id": org.id, **text}))
    if cast(CursorResult[Any], inserted).rowcount != 1:
        key = (col(RoundNarrative.round_id) == round_id, col(RoundNarrative.org_id) == org.id)
        locked = select(col(RoundNarrative.sections)).where(*key).with_for_update()
        before = (await session.execute(locked)).scalar_one()
        await session.execute(update(RoundNarrative).where(*key).values(**text))
    await record_audit(
        session,
        principal,
        "round_narrative.replaced",
        "round_narrative",
        f"{round_id}/{org.id}",
        before={"sections": before} if before is not None else None,
        after={"sections": sections},
        org_path=org.path,
    )
    # internal (not in the public feed): it tells report reuse that this org's report changed
    record_event(
        session,
        InternalEventType.round_narrative_replaced,
        "round_narrative",
        round_id,
        internal.RoundNarrativeReplaced(round_id=round_id, org_id=org.id),
        org_path=org.path,
    )
    return now
