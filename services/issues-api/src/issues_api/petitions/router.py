from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from rectify_shared.enums import PetitionState, PetitionVerdict
from rectify_shared.timezone import today

from ..auth.deps import LedgerReader, PetitionsHandler, PetitionsWriter
from ..core.deps import SessionDep, StateDep
from ..core.errors import errors, not_found
from ..core.pagination import Cursor, Limit, Page, WithTotal, decode_cursor, page_of
from ..orgs import repository as orgs
from ..rounds import repository as rounds
from . import imports, repository, service
from .schemas import (
    BatchCreate,
    BatchRead,
    CaseCreate,
    CasePatch,
    CaseRead,
    ImportCell,
    ImportPreview,
    PolicyRead,
    PolicyWrite,
)
from .views import case_read

router = APIRouter(prefix="/api/v1", tags=["petitions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportResult(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"batch_id": 3, "imported": 2, "case_ids": [41, 42]}]}}

    batch_id: int
    imported: int
    case_ids: list[int]
    warnings: list[ImportCell] = Field(
        default_factory=list, description="Cells not fully read (kept as text), as the preview listed them"
    )


@router.get("/rounds/{round_id}/petition-policy", response_model=PolicyRead, responses=errors(404))
async def get_policy(round_id: int, session: SessionDep, principal: LedgerReader) -> PolicyRead:
    """The round's default time limit for petition cases (10 calendar days when none was set)."""
    if await rounds.get_visible(session, principal, round_id) is None:
        raise not_found("督察轮次", "Inspection round")
    policy = await repository.get_policy(session, round_id)
    if policy is None:
        return PolicyRead(
            round_id=round_id, due_days=service.DEFAULT_DUE_DAYS, day_kind=service.DEFAULT_DAY_KIND, default=True
        )
    return PolicyRead(
        round_id=round_id,
        due_days=policy.due_days,
        day_kind=policy.day_kind,
        default=False,
        updated_by=policy.updated_by,
        updated_at=policy.updated_at,
    )


@router.put("/rounds/{round_id}/petition-policy", response_model=PolicyRead, responses=errors(404, 415, 422))
async def put_policy(round_id: int, data: PolicyWrite, session: SessionDep, principal: PetitionsWriter) -> PolicyRead:
    """Set the round's time limit; cases registered afterwards get their due date from it."""
    if await rounds.get_visible(session, principal, round_id) is None:
        raise not_found("督察轮次", "Inspection round")
    policy = await service.put_policy(session, principal, round_id, data)
    await session.commit()
    return PolicyRead(
        round_id=round_id,
        due_days=policy.due_days,
        day_kind=policy.day_kind,
        default=False,
        updated_by=policy.updated_by,
        updated_at=policy.updated_at,
    )


@router.post("/petition-batches", status_code=201, response_model=BatchRead, responses=errors(409, 415, 422))
async def create_batch(
    data: BatchCreate, session: SessionDep, principal: PetitionsWriter, response: Response
) -> BatchRead:
    """Register a batch (第N批) the inspection team transferred."""
    batch = await service.create_batch(session, principal, data)
    await session.commit()
    assert batch.id is not None
    response.headers["Location"] = f"/api/v1/petition-batches?round_id={batch.round_id}"
    return BatchRead(**batch.model_dump(), case_count=0)


@router.get("/petition-batches", response_model=Page[BatchRead], responses=errors(422))
async def list_batches(
    session: SessionDep, principal: LedgerReader, round_id: int | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[BatchRead]:
    """Batches of the rounds the caller sees, with the number of their cases in the caller's scope."""
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await repository.list_batches(session, principal, round_id, after, limit)
    items, nxt = page_of(rows, limit, "id", lambda r: (r[0].id, r[0].id or 0))
    return Page[BatchRead](items=[BatchRead(**b.model_dump(), case_count=n) for b, n in items], next_cursor=nxt)


_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The batch's 一览表 as .xlsx: a multipart form field `file`, or the raw workbook",
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


_PREVIEW: dict[int | str, dict[str, Any]] = {
    200: {"model": ImportPreview, "description": "With `preview=true`: what the import would do, nothing written"}
}


@router.post(
    "/petition-batches/{batch_id}/import",
    status_code=201,
    response_model=ImportResult | ImportPreview,
    responses={**_PREVIEW, **errors(404, 413, 415, 422)},
    openapi_extra=_IMPORT_BODY,
)
async def import_batch(
    batch_id: int,
    request: Request,
    session: SessionDep,
    principal: PetitionsWriter,
    state: StateDep,
    response: Response,
    preview: Annotated[bool, Query(description="Only read and check the file: 200 with the preview")] = False,
) -> ImportResult | ImportPreview:
    """Import the team's spreadsheet into the batch: all rows, or none (422 lists every bad cell
    with `sheet`, `row`, `column`, `value` and `reason` in Chinese and English). `preview=true`
    first shows, writing nothing, each row's case (locality matched, 办理状态, pollution types,
    the accountability counts read from 责任追究情况), the errors and the warnings. Only .xlsx,
    checked by content; the body limit applies. Recognised headers: 受理编号, 交办问题基本情况,
    行政区域 (required), 污染类型 (names or aliases from GET /pollution-types), 调查核实情况,
    是否属实, 处理和整改情况, 责任追究情况, 办理状态 (已办结/阶段性办结/未办结/正在办理),
    举报方式, 被举报对象, 地址, 重点关注."""
    data = b""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str):
            data = await upload.read()
    else:
        data = await request.body()
    limits = (state.settings.import_timeout_seconds, state.settings.import_memory_mb)
    if preview:
        plan = await imports.plan_batch(session, principal, batch_id, data, limits)
        response.status_code = 200
        return ImportPreview.model_validate(plan.preview())
    cases, plan = await imports.import_batch(session, principal, batch_id, data, limits)
    await session.commit()
    return ImportResult(
        batch_id=batch_id,
        imported=len(cases),
        case_ids=[c.id for c in cases if c.id is not None],
        warnings=[ImportCell.model_validate(w) for w in plan.warnings],
    )


@router.post("/petition-cases", status_code=201, response_model=CaseRead, responses=errors(409, 415, 422))
async def create_case(
    data: CaseCreate, session: SessionDep, principal: PetitionsWriter, response: Response
) -> CaseRead:
    """Register a case of a batch; its due date defaults to the batch's (or round's) time limit."""
    case = await service.create_case(session, principal, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/petition-cases/{case.id}"
    return case_read(case, *(await repository.names(session, case)), today())


@router.get("/petition-cases", response_model=Page[CaseRead], responses=errors(404, 422))
async def list_cases(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    batch_id: int | None = None,
    locality_org_id: Annotated[int | None, Query(description="This locality or any org under it")] = None,
    state: Annotated[list[PetitionState] | None, Query(description="Repeat for several")] = None,
    verdict: Annotated[list[PetitionVerdict] | None, Query(description="Repeat for several")] = None,
    pollution_type: Annotated[
        str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="A code from GET /pollution-types")
    ] = None,
    overdue: Annotated[bool | None, Query(description="Still in progress after the due date (or not)")] = None,
    key_attention: bool | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Intake number, content, party, address")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    with_total: WithTotal = False,
) -> Page[CaseRead]:
    """Petition cases in the caller's scope (their locality or responsible org), in registration order."""
    locality_path = None
    if locality_org_id is not None:
        org = await orgs.get_visible(session, principal, locality_org_id)
        if org is None:
            raise not_found("单位", "Org")
        locality_path = org.path
    day = today()
    f = repository.CaseFilter(
        round_id=round_id,
        batch_id=batch_id,
        locality_path=locality_path,
        states=state,
        verdicts=verdict,
        pollution_type=pollution_type,
        overdue=overdue,
        key_attention=key_attention,
        q=q,
        today=day,
    )
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await repository.list_page(session, f, principal.scope, after, limit)
    items, nxt = page_of(rows, limit, "id", lambda r: (r[0].id, r[0].id or 0))
    total = await repository.count(session, f, principal.scope) if with_total else None
    return Page[CaseRead](items=[case_read(c, n, name, day) for c, n, name in items], next_cursor=nxt, total=total)


@router.get("/petition-cases/{case_id}", response_model=CaseRead, responses=errors(404))
async def get_case(case_id: int, session: SessionDep, principal: LedgerReader) -> CaseRead:
    case = await repository.get(session, case_id, principal.scope)
    if case is None:
        raise not_found("信访件", "Petition case")
    return case_read(case, *(await repository.names(session, case)), today())


@router.patch("/petition-cases/{case_id}", response_model=CaseRead, responses=errors(404, 409, 415, 422))
async def patch_case(case_id: int, data: CasePatch, session: SessionDep, principal: PetitionsHandler) -> CaseRead:
    """Report findings and handling, or change the state: `closed` (已办结) needs the certifying
    department (`certified_by`, `certified_at`) and a verdict; reopening needs a `reason`."""
    case = await service.patch_case(session, principal, case_id, data)
    await session.commit()
    return case_read(case, *(await repository.names(session, case)), today())
