from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Org
from rectify_shared.tree import in_subtree


async def get(session: AsyncSession, org_id: int) -> Org | None:
    return await session.get(Org, org_id)


async def get_many(session: AsyncSession, ids: Sequence[int]) -> dict[int, Org]:
    if not ids:
        return {}
    rows = (await session.exec(select(Org).where(Org.id.in_(ids)))).all()
    return {o.id: o for o in rows if o.id is not None}


async def list_page(
    session: AsyncSession, *, under_path: str | None, after_path: str | None, limit: int
) -> Sequence[Org]:
    stmt = select(Org)
    if under_path:
        stmt = stmt.where(in_subtree(Org.path, under_path))
    if after_path:
        stmt = stmt.where(Org.path > after_path)
    return (await session.exec(stmt.order_by(Org.path).limit(limit + 1))).all()


async def subtree(session: AsyncSession, path: str | None) -> Sequence[Org]:
    stmt = select(Org)
    if path:
        stmt = stmt.where(in_subtree(Org.path, path))
    return (await session.exec(stmt.order_by(Org.path))).all()
