from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import AuditRecord

from ..auth.principal import Scope
from ..core.pagination import after_key


@dataclass(frozen=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


async def list_records(
    session: AsyncSession,
    scope: Scope,
    filters: AuditFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[AuditRecord]:
    """Records within `scope`, newest first (keyset on created_at, id); fetches limit + 1."""
    stmt = _filtered(select(AuditRecord), scope, filters)
    if after is not None:
        stmt = stmt.where(after_key(col(AuditRecord.created_at), col(AuditRecord.id), after[0], after[1], desc=True))
    stmt = stmt.order_by(col(AuditRecord.created_at).desc(), col(AuditRecord.id).desc()).limit(limit + 1)
    return (await session.execute(stmt)).scalars().all()


async def count(session: AsyncSession, scope: Scope, filters: AuditFilter) -> int:
    """How many records the list gives over all its pages (same filters, same scope)."""
    stmt = _filtered(select(func.count()).select_from(AuditRecord), scope, filters)
    return int((await session.execute(stmt)).scalar_one())


def _filtered(stmt: Any, scope: Scope, filters: AuditFilter) -> Any:
    stmt = stmt.where(scope.clause(AuditRecord.org_path))
    if filters.entity_type is not None:
        stmt = stmt.where(AuditRecord.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        stmt = stmt.where(AuditRecord.entity_id == filters.entity_id)
    if filters.actor is not None:
        stmt = stmt.where(AuditRecord.actor == filters.actor)
    if filters.action is not None:
        stmt = stmt.where(AuditRecord.action == filters.action)
    if filters.since is not None:
        stmt = stmt.where(AuditRecord.created_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditRecord.created_at < filters.until)
    return stmt
