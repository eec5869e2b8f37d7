from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import InspectionRound

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


async def list_page(
    session: AsyncSession, principal: Principal, *, after_id: int | None, limit: int
) -> Sequence[InspectionRound]:
    stmt = select(InspectionRound).where(visible(principal))
    if after_id is not None:
        stmt = stmt.where(col(InspectionRound.id) > after_id)
    return (await session.exec(stmt.order_by(col(InspectionRound.id)).limit(limit + 1))).all()
