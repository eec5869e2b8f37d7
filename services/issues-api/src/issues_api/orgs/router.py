from typing import Annotated

from fastapi import APIRouter, Query, Response

from ..auth.deps import LedgerReader, OrgsWriter
from ..core.deps import SessionDep, StateDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from . import reorder, repository, service
from .robots import check_robots
from .schemas import OrgCreate, OrgMove, OrgNode, OrgPatch, OrgRead

router = APIRouter(prefix="/api/v1/orgs", tags=["orgs"])


@router.get("", response_model=Page[OrgRead], responses=errors(404, 422))
async def list_orgs(
    session: SessionDep,
    principal: LedgerReader,
    under: Annotated[int | None, Query(description="Only this org and its descendants")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OrgRead]:
    """Orgs in tree order: each parent before its children, siblings by `sort_order` then name."""
    under_path = None
    if under is not None:
        root = await repository.get_visible(session, principal, under)
        if root is None:
            raise not_found("单位", "Org")
        under_path = root.path
    after = int(decode_cursor(cursor, "tree")[0]) if cursor else -1
    rows = await repository.list_page(session, principal, under_path=under_path, after=after, limit=limit)
    items, nxt = page_of(rows, limit, "tree", lambda r: (r[0], r[1].id or 0))
    return Page[OrgRead](items=[OrgRead.model_validate(o) for _, o in items], next_cursor=nxt)


@router.get("/tree", response_model=list[OrgNode], responses=errors(404))
async def org_tree(
    session: SessionDep,
    principal: LedgerReader,
    root_id: Annotated[int | None, Query(description="Subtree root; default the whole tree")] = None,
) -> list[OrgNode]:
    """The org tree (自治区 → 盟市 → 旗县市区, departments, enterprises) as nested nodes."""
    return await service.tree(session, principal, root_id)


@router.get("/{org_id}", response_model=OrgRead, responses=errors(404))
async def get_org(org_id: int, session: SessionDep, principal: LedgerReader) -> OrgRead:
    org = await repository.get_visible(session, principal, org_id)
    if org is None:
        raise not_found("单位", "Org")
    return OrgRead.model_validate(org)


@router.post("", status_code=201, response_model=OrgRead, responses=errors(415, 422))
async def create_org(data: OrgCreate, session: SessionDep, principal: OrgsWriter, response: Response) -> OrgRead:
    org = await service.create(session, principal, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/orgs/{org.id}"
    return OrgRead.model_validate(org)


@router.patch("/{org_id}", response_model=OrgRead, responses=errors(403, 404, 415, 422))
async def patch_org(
    org_id: int, data: OrgPatch, session: SessionDep, principal: OrgsWriter, state: StateDep
) -> OrgRead:
    """Change an org's name, short name, contacts (`mobile` receives SMS; `contact_phone`, the landline,
    prints on documents), `sort_order` or `adcode`; `parent_id` moves it with its whole subtree (every
    scoped row's path follows, in one transaction). The office must administer the org and the new
    parent. `wecom_robot_url`, `dingtalk_robot_url` and `dingtalk_robot_secret` set the org's
    企业微信/钉钉 group robots (on the configured provider origin; write-only, encrypted; the
    org shows `wecom_robot` / `dingtalk_robot`). Audited."""
    check_robots(data, state.settings)
    org = await service.patch(session, principal, org_id, data)
    await session.commit()
    await session.refresh(org)
    return OrgRead.model_validate(org)


@router.post("/{org_id:int}/move", response_model=OrgRead, responses=errors(403, 404, 409, 415, 422))
async def move_org(org_id: int, data: OrgMove, session: SessionDep, principal: OrgsWriter) -> OrgRead:
    """Drag an org in the tree: under `parent_id` (its whole subtree follows; the office must
    administer the org and the new parent) at child number `position`; the siblings are renumbered
    10, 20, 30 … in one transaction. Under itself or a descendant: 409 `org_cycle`. Audited
    (`org.moved`, and `org.updated` with the new `order`)."""
    org = await reorder.move(session, principal, org_id, data)
    await session.commit()
    await session.refresh(org)
    return OrgRead.model_validate(org)
