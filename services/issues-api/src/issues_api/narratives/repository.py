"""The narrative rows (round, reporting org): read, and insert one unless it exists."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import RoundNarrative


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


def insert_if_absent(session: AsyncSession, values: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: a row that exists is locked and updated instead."""
    dialect = session.get_bind().dialect.name
    keys = ["round_id", "org_id"]
    if dialect == "postgresql":
        return postgresql.insert(RoundNarrative).values(values).on_conflict_do_nothing(index_elements=keys)
    if dialect == "sqlite":
        return sqlite.insert(RoundNarrative).values(values).on_conflict_do_nothing(index_elements=keys)
    raise RuntimeError(f"unsupported database dialect {dialect!r}")  # pragma: no cover
