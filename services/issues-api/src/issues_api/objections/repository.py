from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import ClosureObjection


async def pending_count(session: AsyncSession, closure_id: int) -> int:
    stmt = select(func.count()).where(
        col(ClosureObjection.closure_id) == closure_id, col(ClosureObjection.decision).is_(None)
    )
    return int((await session.execute(stmt)).scalar_one())


async def get(session: AsyncSession, closure_id: int, objection_id: int) -> ClosureObjection | None:
    stmt = (
        select(ClosureObjection)
        .where(col(ClosureObjection.id) == objection_id, col(ClosureObjection.closure_id) == closure_id)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()
