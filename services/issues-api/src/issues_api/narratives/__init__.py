"""The narrative of a progress report (整改落实情况报告): stored per round and reporting org.

The office writes the sections; the report-worker prints them after the opening paragraph it
computes from the ledger. Replacing a narrative is audited with the text before and after.
"""

from datetime import datetime
from importlib import resources
from typing import Any, cast

import yaml
from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import InternalEventType, internal
from rectify_shared.models import Org, RoundNarrative
from rectify_shared.models.types import utcnow

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..outbox.writer import record_event
from .schemas import NarrativeWrite

DEMO_FILE = "xilinguole_narrative.yaml"
DEMO_ACTOR = "demo-loader"


async def read(session: AsyncSession, round_id: int, org_id: int) -> tuple[list[dict[str, Any]], str, datetime] | None:
    """(sections, updated_by, updated_at), or None when no narrative was written."""
    row = (
        await session.execute(
            select(col(RoundNarrative.sections), col(RoundNarrative.updated_by), col(RoundNarrative.updated_at)).where(
                col(RoundNarrative.round_id) == round_id, col(RoundNarrative.org_id) == org_id
            )
        )
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


async def replace(
    session: AsyncSession, principal: Principal, round_id: int, org: Org, sections: list[dict[str, Any]]
) -> datetime:
    """Write the narrative (the caller commits); concurrent writers are serialised on the row."""
    assert org.id is not None
    now = utcnow()
    text = {"sections": sections, "updated_by": principal.name, "updated_at": now}
    before: list[dict[str, Any]] | None = None
    inserted = await session.execute(_insert_if_absent(session, {"round_id": round_id, "org_id": org.id, **text}))
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


def _insert_if_absent(session: AsyncSession, values: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: a row that exists is locked and updated instead."""
    dialect = session.get_bind().dialect.name
    keys = ["round_id", "org_id"]
    if dialect == "postgresql":
        return postgresql.insert(RoundNarrative).values(values).on_conflict_do_nothing(index_elements=keys)
    if dialect == "sqlite":
        return sqlite.insert(RoundNarrative).values(values).on_conflict_do_nothing(index_elements=keys)
    raise RuntimeError(f"unsupported database dialect {dialect!r}")  # pragma: no cover


async def load_demo_narrative(session: AsyncSession, round_id: int, orgs: dict[str, Org]) -> None:
    """The seed report's narrative sections, for the demo office's report on the demo round."""
    text = resources.files("issues_api.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    narrative = NarrativeWrite.model_validate({"sections": data["sections"]})
    org = orgs[data["org"]]
    assert org.id is not None
    session.add(
        RoundNarrative(
            round_id=round_id,
            org_id=org.id,
            sections=[s.model_dump() for s in narrative.sections],
            updated_by=DEMO_ACTOR,
        )
    )
