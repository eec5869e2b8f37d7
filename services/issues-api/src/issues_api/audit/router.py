import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlmodel import col

from rectify_shared.models import Org
from rectify_shared.models.types import utcnow
from rectify_shared.tree import in_subtree

from ..auth.deps import require
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.errors import errors, invalid
from ..core.instants import IsoDateTime
from ..core.pagination import Cursor, Limit, Page, WithTotal, decode_cursor, page_of
from . import repository
from .repository import AuditFilter
from .schemas import AuditProblem, AuditRead, AuditVerification
from .verify import verify_audit
from .writer import KEY_INFO_KEY

router = APIRouter(prefix="/api/v1", tags=["audit"])

AuditReader = Annotated[Principal, Depends(require("audit.read"))]
AuditVerifier = Annotated[Principal, Depends(require("audit.verify"))]
MAX_PROBLEMS = 20

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


@router.get("/audit/verify", response_model=AuditVerification)
async def verify_chain(session: SessionDep, principal: AuditVerifier) -> AuditVerification:
    """Verify the hash chains of the caller's orgs (the office's subtree) record by record, as
    `rectify audit verify` does for the whole database: ok, or the first record found broken."""
    org_ids = await session.execute(select(col(Org.id)).where(in_subtree(col(Org.path), principal.org_path)))
    chains = {f"org:{i}" for i in org_ids.scalars()}
    started = time.perf_counter()
    report = await verify_audit(session, key=session.info.get(KEY_INFO_KEY), only=chains.__contains__)
    problems = [
        AuditProblem(
            chain=p.chain, record_id=None if p.record_id is None else str(p.record_id), seq=p.seq, reason=p.reason
        )
        for p in report.problems[:MAX_PROBLEMS]
    ]
    return AuditVerification(
        ok=report.ok,
        chains=report.chains,
        records_checked=report.records_checked,
        first_record_id=None if report.first_id is None else str(report.first_id),
        last_record_id=None if report.last_id is None else str(report.last_id),
        broken_at=problems[0] if problems else None,
        problems=problems,
        problem_count=len(report.problems),
        duration_ms=round((time.perf_counter() - started) * 1000),
        checked_at=utcnow(),
    )
