from collections.abc import Sequence

from sqlalchemy import ColumnElement, Row, bindparam, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import core_execute
from rectify_shared.models import Org
from rectify_shared.tree import in_subtree

from ..auth.principal import Principal


def visible(principal: Principal) -> ColumnElement[bool]:
    """Orgs a caller may see: its subtree and the chain above it (names for context)."""
    return or_(principal.subtree.clause(Org.path), Org.path.in_(principal.subtree.ancestors()))


async def get(session: AsyncSession, org_id: int) -> Org | None:
    """Unscoped: for checks made on behalf of an already-authorised caller."""
    return await session.get(Org, org_id)


_BRIEF = select(Org.id, Org.name, Org.path).where(Org.id == bindparam("b_org_id"))


async def brief(session: AsyncSession, org_id: int) -> Row[tuple[int, str, str]] | None:
    """Unscoped, like `get`: an org's id, name and path only (a write that names or scopes by an
    org needs no more; the whole row would decrypt its contacts and enter the identity map)."""
    return (await core_execute(session, _BRIEF, {"b_org_id": org_id})).one_or_none()


async def get_for_update(session: AsyncSession, org_id: int) -> Org | None:
    return (await session.exec(select(Org).where(Org.id == org_id).with_for_update())).first()


def tree_order(orgs: Sequence[Org]) -> list[Org]:
    """Parents before children; siblings by `sort_order`, then name, then id (not by path string,
    which puts 10 before 3). Orgs whose parent is not in the list start the order."""
    ids = {o.id for o in orgs}
    children: dict[int | None, list[Org]] = {}
    for o in orgs:
        children.setdefault(o.parent_id if o.parent_id in ids else None, []).append(o)
    for siblings in children.values():
        siblings.sort(key=lambda o: (o.sort_order, o.name, o.id or 0))
    out: list[Org] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        org = stack.pop()
        out.append(org)
        stack.extend(reversed(children.get(org.id, [])))
    return out


async def get_visible(session: AsyncSession, principal: Principal, org_id: int) -> Org | None:
    stmt = select(Org).where(Org.id == org_id, visible(principal))
    return (await session.exec(stmt)).first()


async def get_many(session: AsyncSession, ids: Sequence[int]) -> dict[int, Org]:
    if not ids:
        return {}
    rows = (await session.exec(select(Org).where(Org.id.in_(ids)))).all()
    return {o.id: o for o in rows if o.id is not None}


async def list_page(
    session: AsyncSession, principal: Principal, *, under_path: str | None, after: int, limit: int
) -> list[tuple[int, Org]]:
    """(position, org) in tree order from position `after` + 1: the org tree of one office is small
    (hundreds of rows), so it is ordered here rather than by an index."""
    ordered = tree_order(await subtree(session, principal, under_path))
    return list(enumerate(ordered))[after + 1 : after + 2 + limit]


async def subtree(session: AsyncSession, principal: Principal, path: str | None) -> Sequence[Org]:
    stmt = select(Org).where(visible(principal))
    if path:
        stmt = stmt.where(in_subtree(Org.path, path))
    return (await session.exec(stmt.order_by(Org.path))).all()
