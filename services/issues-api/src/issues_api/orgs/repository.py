from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Org
from rectify_shared.tree import in_subtree

from ..auth.principal import Principal


def visible(principal: Principal) -> ColumnElement[bool]:
    """Orgs a caller may see: its subtree and the chain above it (names for context)."""
    return or_(principal.subtree.clause(Org.path), Org.path.in_(principal.subtree.ancestors()))


async def get(session: AsyncSession, org_id: int) -> Org | None:
    """Unscoped: for checks made on behalf of an already-authorised caller."""
    return await session.get(Org, org_id)


async def get_visible(session: AsyncSession, principal: Principal, org_id: int) -> Org | None:
    stmt = select(Org).where(Org.id == org_id, visible(principal))
    return (await session.exec(stmt)).first()


async def get_many(session: AsyncSession, ids: Sequence[int]) -> dict[int, Org]:
    if not ids:
        return {}
    rows = (await session.exec(select(Org).where(Org.id.in_(ids)))).all()
    return {o.id: o for o in rows if o.id is not None}


async def list_page(
    session: AsyncSession, principal: Principal, *, under_path: str | None, after_path: str | None, limit: int
) -> Sequence[Org]:
    stmt = select(Org).where(visible(principal))
    if under_path:
        stmt = stmt.where(in_subtree(Org.path, under_path))
    if after_path:
        stmt = stmt.where(Org.path > after_path)
    return (await session.exec(stmt.order_by(Org.path).limit(limit + 1))).all()


async def subtree(session: AsyncSession, principal: Principal, path: str | None) -> Sequence[Org]:
    stmt = select(Org).where(visible(principal))
    if path:
        stmt = stmt.where(in_subtree(Org.path, path))
    return (await session.exec(stmt.order_by(Org.path))).all()
