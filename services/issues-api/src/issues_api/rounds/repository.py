from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, String, and_, any_, bindparam, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.models import InspectionRound
from rectify_shared.tree import subtree_bounds

from ..auth.principal import Principal


def visible(principal: Principal) -> ColumnElement[bool]:
    """Rounds kept by the caller's org, an org above it (a county sees its league's round) or below it."""
    return or_(
        principal.subtree.clause(InspectionRound.org_path),
        col(InspectionRound.org_path).in_(principal.subtree.ancestors()),
    )


async def get(session: AsyncSession, round_id: int) -> InspectionRound | None:
    """Unscoped: for checks made on behalf of an already-authorised caller."""
    return await session.get(InspectionRound, round_id)


async def get_visible(session: AsyncSession, principal: Principal, round_id: int) -> InspectionRound | None:
    stmt = select(InspectionRound).where(InspectionRound.id == round_id, visible(principal))
    return (await session.exec(stmt)).first()


@lru_cache(maxsize=4)
def _round_statement(dialect: str) -> Any:
    """`visible`'s test of one round, built once (for `db_fast.fetch`)."""
    path = col(InspectionRound.org_path)
    if dialect == "postgresql":  # an array parameter: an expanding IN cannot be built once
        above = path == any_(bindparam("ancestors", type_=ARRAY(String)))
    else:
        above = path.in_(bindparam("ancestors", expanding=True))
    inside = and_(path >= bindparam("lo"), path < bindparam("hi"))
    return select(col(InspectionRound.id)).where(
        col(InspectionRound.id) == bindparam("round_id", type_=Integer), or_(inside, above)
    )


async def round_visible(reads: Any, principal: Principal, round_id: int) -> bool:
    """Whether the caller sees the round (`get_visible`, without loading it);
    `reads`: a session or a `db_fast.ReadConnection`."""
    subtree = principal.subtree
    lo, hi = subtree_bounds(subtree.path)
    params = {"round_id": round_id, "lo": lo, "hi": hi, "ancestors": subtree.ancestors()}
    return bool(await fetch(reads, _round_statement(dialect_of(reads).name), params))


async def list_page(
    session: AsyncSession, principal: Principal, *, after_id: int | None, limit: int
) -> Sequence[InspectionRound]:
    stmt = select(InspectionRound).where(visible(principal))
    if after_id is not None:
        stmt = stmt.where(col(InspectionRound.id) > after_id)
    return (await session.exec(stmt.order_by(col(InspectionRound.id)).limit(limit + 1))).all()
