from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Org
from rectify_shared.tree import child_path

from ..auth.principal import Principal
from ..core.errors import invalid, not_found
from ..outbox.change import record_change
from . import repository
from .schemas import OrgCreate, OrgNode


async def create(session: AsyncSession, principal: Principal, data: OrgCreate) -> Org:
    parent = None
    if data.parent_id is not None:
        parent = await repository.get(session, data.parent_id)
        if parent is None or not principal.subtree.contains(parent.path):
            raise invalid(
                "body.parent_id",
                "no such org in your scope",
                "上级单位不存在或不在管辖范围内",
                "Parent org does not exist in your scope",
            )
    elif principal.org_path.count("/") > 2:
        # only an office at the top of a tree (a province, the nation) may add another top-level org
        raise invalid("body.parent_id", "required", "须指定上级单位", "parent_id is required")
    org = Org(
        name=data.name,
        short_name=data.short_name,
        kind=data.kind,
        parent_id=data.parent_id,
        path="/pending/",
        depth=(parent.depth + 1) if parent else 0,
        contact_phone=data.contact_phone,
        contact_email=str(data.contact_email) if data.contact_email else None,
    )
    session.add(org)
    await session.flush()  # the id is part of the path
    assert org.id is not None
    org.path = child_path(parent.path if parent else None, org.id)
    await record_change(
        session,
        principal,
        "org.created",
        "org",
        org.id,
        data={"id": org.id, "name": org.name, "kind": org.kind, "parent_id": org.parent_id, "path": org.path},
        org_path=org.path,
    )
    return org


async def tree(session: AsyncSession, principal: Principal, root_id: int | None) -> list[OrgNode]:
    path = None
    if root_id is not None:
        root = await repository.get_visible(session, principal, root_id)
        if root is None:
            raise not_found("单位", "Org")
        path = root.path
    nodes: dict[int, OrgNode] = {}
    roots: list[OrgNode] = []
    for org in await repository.subtree(session, principal, path):  # path order: parents come first
        assert org.id is not None
        node = OrgNode(id=org.id, name=org.name, short_name=org.short_name, kind=org.kind)
        nodes[org.id] = node
        parent = nodes.get(org.parent_id) if org.parent_id is not None else None
        (parent.children if parent else roots).append(node)
    return roots
