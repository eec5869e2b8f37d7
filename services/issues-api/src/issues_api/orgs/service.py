from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import Org
from rectify_shared.models.types import utcnow
from rectify_shared.tree import child_path

from ..audit.writer import diff
from ..auth.principal import Principal, Role
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import invalid, not_found
from ..outbox.change import record_change
from . import repository
from .move import rebase_subtree
from .robots import ROBOT_FIELDS, robot_view
from .schemas import OrgCreate, OrgNode, OrgPatch

#: the fields PATCH /orgs/{id} may change besides `parent_id`
EDITABLE = ("name", "short_name", "contact_phone", "contact_email", "mobile", "sort_order", "adcode")


def _may_create_roots(principal: Principal) -> bool:
    """A new tree (another province) is set up by a system admin or at the console."""
    return principal.role == Role.system_admin or principal.kind == "system"


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
    elif not _may_create_roots(principal):
        raise invalid(
            "body.parent_id",
            "required",
            "须指定上级单位（新建顶级单位须由系统管理员办理）",
            "parent_id is required (a new root org is set up by a system admin)",
        )
    org = Org(
        name=data.name,
        short_name=data.short_name,
        kind=data.kind,
        parent_id=data.parent_id,
        path="/pending/",
        depth=(parent.depth + 1) if parent else 0,
        contact_phone=data.contact_phone,
        contact_email=str(data.contact_email) if data.contact_email else None,
        mobile=data.mobile,
        sort_order=data.sort_order,
        adcode=data.adcode,
    )
    session.add(org)
    await session.flush()  # the id is part of the path
    assert org.id is not None
    org.path = child_path(parent.path if parent else None, org.id)
    await record_change(
        session,
        principal,
        EventType.org_created,
        "org",
        org.id,
        data=ev.OrgCreated(id=org.id, name=org.name, kind=org.kind, parent_id=org.parent_id, path=org.path),
        org_path=org.path,
    )
    return org


def _view(org: Org) -> dict[str, object]:
    return {name: getattr(org, name) for name in EDITABLE}


async def patch(session: AsyncSession, principal: Principal, org_id: int, data: OrgPatch) -> Org:
    """Change an org's fields and/or move it; audited, with an outbox event each."""
    org = await repository.get_for_update(session, org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise not_found("单位", "Org")
    assert org.id is not None
    fields = data.model_fields_set
    if "name" in fields and data.name is None:
        raise invalid("body.name", "required", "单位名称不能为空", "An org needs a name")
    if "sort_order" in fields and data.sort_order is None:
        raise invalid("body.sort_order", "required", "排序号不能为空", "sort_order cannot be null")
    before = {**_view(org), **robot_view(org)}
    for name in EDITABLE:
        if name in fields:
            value = getattr(data, name)
            setattr(org, name, str(value) if name == "contact_email" and value is not None else value)
    for name in ROBOT_FIELDS:  # secrets: the audit and the change feed see fingerprints only
        if name in fields:
            setattr(org, name, getattr(data, name) or None)
    old, new = diff(before, {**_view(org), **robot_view(org)})
    if new or old:
        org.updated_at = utcnow()
        await record_change(
            session, principal, EventType.org_updated, "org", org.id, data=ev.OrgUpdated(id=org.id, **new),
            before=old, after=new, org_path=org.path,
        )  # fmt: skip
    if "parent_id" in fields and data.parent_id != org.parent_id:
        await move_subtree(session, principal, org, data.parent_id)
    return org


async def move_subtree(session: AsyncSession, principal: Principal, org: Org, parent_id: int | None) -> None:
    assert org.id is not None
    if org.path in principal.subtree.ancestors() or org.path == principal.org_path:
        if principal.role != Role.system_admin and principal.kind != "system":
            raise FORBIDDEN.error(
                message="不能移动本单位或上级单位", message_en="You cannot move your own org or one above it"
            )
    parent = None
    if parent_id is None:
        if not _may_create_roots(principal):
            raise invalid(
                "body.parent_id", "required", "只有系统管理员可以设为顶级单位", "Only a system admin makes a root org"
            )
    else:
        parent = await repository.get(session, parent_id)
        if parent is None or not principal.subtree.contains(parent.path):
            raise invalid(
                "body.parent_id",
                "no such org in your scope",
                "上级单位不存在或不在管辖范围内",
                "The new parent does not exist in your scope",
            )
        if parent.path.startswith(org.path):
            raise invalid(
                "body.parent_id",
                "inside the org itself",
                "不能移动到本单位或其下级单位之下",
                "An org cannot move under itself or one of its descendants",
            )
    old_path, old_parent = org.path, org.parent_id
    new_path = child_path(parent.path if parent else None, org.id)
    depth_delta = (parent.depth + 1 if parent else 0) - org.depth
    org.parent_id, org.updated_at = parent_id, utcnow()
    await session.flush()
    changed = await rebase_subtree(session, old_path, new_path, depth_delta)
    await session.refresh(org)
    data = {
        "id": org.id,
        "from_parent_id": old_parent,
        "to_parent_id": parent_id,
        "from_path": old_path,
        "to_path": new_path,
        "rows": changed,
    }
    await record_change(
        session,
        principal,
        EventType.org_moved,
        "org",
        org.id,
        data=ev.OrgMoved(**data),
        before={"parent_id": old_parent, "path": old_path},
        after={"parent_id": parent_id, "path": new_path, "rows": changed},
        org_path=new_path,
    )


async def tree(session: AsyncSession, principal: Principal, root_id: int | None) -> list[OrgNode]:
    path = None
    if root_id is not None:
        root = await repository.get_visible(session, principal, root_id)
        if root is None:
            raise not_found("单位", "Org")
        path = root.path
    nodes: dict[int, OrgNode] = {}
    roots: list[OrgNode] = []
    for org in repository.tree_order(await repository.subtree(session, principal, path)):  # parents first
        assert org.id is not None
        node = OrgNode(id=org.id, name=org.name, short_name=org.short_name, kind=org.kind)
        nodes[org.id] = node
        parent = nodes.get(org.parent_id) if org.parent_id is not None else None
        (parent.children if parent else roots).append(node)
    return roots
