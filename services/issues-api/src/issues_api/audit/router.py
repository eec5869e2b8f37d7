from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ..auth.deps import require
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.errors import errors, invalid
from ..core.instants import IsoDateTime
from ..core.pagination import Cursor, Limit, Page, WithTotal, decode_cursor, page_of
from . import repository
from .repository import AuditFilter
from .schemas import AuditRead

router = APIRouter(prefix="/api/v1", tags=["audit"])

AuditReader = Annotated[Principal, Depends(require("audit.read"))]

SORT = "-created_at"


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise invalid(f"query.{name}", "a time zone is required", "时间必须带时区", f"`{name}` needs a time zone")
    return value


@router.get("/audit", response_model=Page[AuditRead], responses=errors(422))
async def list_audit(
    session: SessionDep,
    principal: AuditReader,
    entity_type: Annotated[str | None, Query(max_length=40, examples=["issue"])] = None,
    entity_id: Annotated[str | None, Query(max_length=40, examples=["17"])] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=60, examples=["issue.updated"])] = None,
    since: Annotated[IsoDateTime | None, Query(description="From this time (inclusive), with a time zone")] = None,
    until: Annotated[IsoDateTime | None, Query(description="Before this time (exclusive), with a time zone")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    with_total: WithTotal = False,
) -> Page[AuditRead]:
    """The audit trail (审计记录) within the caller's scope, newest first."""
    filters = AuditFilter(
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        action=action,
        since=_aware("since", since),
        until=_aware("until", until),
    )
    after = None
    if cursor:
        value, row_id = decode_cursor(cursor, SORT)
        try:
            after = (datetime.fromisoformat(value), row_id)
        except (TypeError, ValueError) as exc:
            raise invalid("query.cursor", "malformed", "分页游标无效", "Invalid cursor") from exc
    rows = await repository.list_records(session, principal.scope, filters, after, limit)
    items, nxt = page_of(rows, limit, SORT, lambda r: (r.created_at.isoformat(), r.id))
    total = await repository.count(session, principal.scope, filters) if with_total else None
    return Page[AuditRead](items=[AuditRead.of(r) for r in items], next_cursor=nxt, total=total)
