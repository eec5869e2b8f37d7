"""Dragging an org in the tree: under another parent (the whole subtree follows) and/or to another
place among its siblings, in one transaction. The siblings' `sort_order` becomes 10, 20, 30 … in
the new order; the move and the new order are each audited and published."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import Org
from rectify_shared.models.types import utcnow

from ..auth.principal import Principal
from ..core.errors import invalid, not_found
from ..outbox.change import record_change
from . import repository
from .errors import ORG_CYCLE
from .schemas import OrgMove
from .service import move_subtree

STEP = 10


async def move(session: AsyncSession, principal: Principal, org_id: int, data: OrgMove) -> Org:
    org = await repository.get_for_update(session, org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise not_found("单位", "Org")
    assert org.id is not None
    parent = await repository.get(session, data.parent_id)
    if parent is None or not principal.subtree.contains(parent.path):
        raise invalid(
            "body.parent_id",
            "no such org in your scope",
            "上级单位不存在或不在管辖范围内",
            "The new parent does not exist in your scope",
        )
    if parent.path.startswith(org.path):
        raise ORG_CYCLE.error(
            [{"field": "body.parent_id", "reason": "inside the org itself"}], org=org.name, parent=parent.name
        )
    if data.parent_id != org.parent_id:
        await move_subtree(session, principal, org, data.parent_id)
    siblings = list(
        (
            await session.exec(select(Org).where(Org.parent_id == data.parent_id, Org.id != org.id).with_for_update())
        ).all()
    )
    siblings.sort(key=lambda o: (o.sort_order, o.name, o.id or 0))
    before = [o.id for o in sorted([*siblings, org], key=lambda o: (o.sort_order, o.name, o.id or 0))]
    ordered = [*siblings]
    ordered.insert(min(data.position, len(siblings)), org)
    after = [o.id for o in ordered]
    changed = False
    for i, o in enumerate(ordered):
        if o.sort_order != (i + 1) * STEP:
            o.sort_order, o.updated_at, changed = (i + 1) * STEP, utcnow(), True
    if changed or before != after:
        await record_change(
            session,
            principal,
            EventType.org_updated,
            "org",
            org.id,
            data=ev.OrgUpdated(id=org.id, parent_id=data.parent_id, order=after),
            before={"order": before},
            after={"order": after, "position": after.index(org.id)},
            org_path=parent.path,
        )
    return org
