from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import InspectionRound


async def get(session: AsyncSession, round_id: int) -> InspectionRound | None:
    return await session.get(InspectionRound, round_id)


async def list_page(session: AsyncSession, *, after_id: int | None, limit: int) -> Sequence[InspectionRound]:
    stmt = select(InspectionRound)
    if after_id is not None:
        stmt = stmt.where(InspectionRound.id > after_id)
    return (await session.exec(stmt.order_by(InspectionRound.id).limit(limit + 1))).all()
