from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import Escalation, Org
from rectify_shared.tree import in_subtree

from ..auth.principal import Scope

#: roles that see proposed (拟办) 督办/约谈: they are the office's until issued
SEES_PROPOSED = frozenset({"office_admin", "system_admin"})


def sees_proposed(role: str) -> bool:
    return str(role) in SEES_PROPOSED


async def list_page(
    session: AsyncSession,
    scope: Scope,
    *,
    drafts: bool = True,
    org_path: str | None,
    level: str | None,
    state: str | None,
    issue_id: int | None,
    after_id: int | None,
    limit: int,
) -> Sequence[Escalation]:
    stmt = select(Escalation).where(scope.clause(Escalation.org_path))
    if not drafts:
        stmt = stmt.where(Escalation.state != EscalationState.proposed)
    if org_path is not None:
        stmt = stmt.where(in_subtree(Escalation.org_path, org_path))
    if level is not None:
        stmt = stmt.where(Escalation.level == level)
    if state is not None:
        stmt = stmt.where(Escalation.state == state)
    if issue_id is not None:
        stmt = stmt.where(Escalation.issue_id == issue_id)
    if after_id is not None:
        stmt = stmt.where(Escalation.id < after_id)
    return (await session.execute(stmt.order_by(Escalation.id.desc()).limit(limit + 1))).scalars().all()


async def get(
    session: AsyncSession, scope: Scope, escalation_id: int, *, for_update: bool = False, drafts: bool = True
) -> Escalation | None:
    stmt = select(Escalation).where(Escalation.id == escalation_id, scope.clause(Escalation.org_path))
    if not drafts:
        stmt = stmt.where(Escalation.state != EscalationState.proposed)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def org(session: AsyncSession, org_id: int) -> Org | None:
    return await session.get(Org, org_id)
