from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from ..auth.deps import LedgerWriter
from ..core.deps import SessionDep, StateDep
from ..core.errors import errors
from . import guard, preview
from .apply import apply_job
from .schemas import ApplyRequest, ImportJobRead

router = APIRouter(prefix="/api/v1/rounds/{round_id}/imports", tags=["imports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The office's 台账 (.xlsx) or 整改方案 (.docx) as a multipart form field `file`",
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            }
        },
    }
}


def limits_of(settings: Any) -> guard.Limits:
    return guard.Limits(
        max_bytes=settings.import_max_bytes,
        max_unzipped_bytes=settings.import_max_unzipped_bytes,
        max_ratio=settings.import_max_ratio,
        seconds=settings.import_timeout_seconds,
        memory_mb=settings.import_memory_mb,
    )


@router.post(
    "",
    status_code=201,
    response_model=ImportJobRead,
    responses=errors(404, 413, 415, 422),
    openapi_extra=_UPLOAD_BODY,
)
async def create_import(
    round_id: int,
    request: Request,
    session: SessionDep,
    principal: LedgerWriter,
    state: StateDep,
    response: Response,
    issued_on: Annotated[
        date | None,
        Query(description="the 整改方案's date, for deadlines such as 印发后30个工作日内 (a .docx gives its own)"),
    ] = None,
    opened_on: Annotated[
        date | None,
        Query(
            description="the day the problems were assigned, from which the imported history starts "
            "(default: the 方案's date, else the round's feedback date)"
        ),
    ] = None,
) -> ImportJobRead:
    """Read the file and preview it against the round: nothing in the ledger is written. Every bad
    cell is a 422 listing sheet, row, column, value and reason (Chinese and English); encrypted,
    macro-enabled, oversize and zip-bomb files are refused before parsing."""
    data, filename = b"", "upload"
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str):
            data, filename = await upload.read(), upload.filename or "upload"
    else:
        data = await request.body()
    job = await preview.create_job(
        session, principal, round_id, filename, data, limits_of(state.settings), issued_on, opened_on
    )
    await session.commit()
    response.headers["Location"] = f"/api/v1/rounds/{round_id}/imports/{job.id}"
    return ImportJobRead.model_validate(job)


@router.get("/{job_id}", response_model=ImportJobRead, responses=errors(404))
async def get_import(round_id: int, job_id: int, session: SessionDep, principal: LedgerWriter) -> ImportJobRead:
    """The job's state, its preview and (once applied) its result."""
    return ImportJobRead.model_validate(await preview.get_job(session, principal, round_id, job_id))


@router.post("/{job_id}/apply", response_model=ImportJobRead, responses=errors(404, 409, 415, 422))
async def apply_import(
    round_id: int, job_id: int, data: ApplyRequest, session: SessionDep, principal: LedgerWriter
) -> ImportJobRead:
    """Write the previewed file into the ledger: all of it or nothing, in one transaction, audited as
    one act with the file's SHA-256. Units the preview could not match need `org_mapping`, or
    `create_orgs` to create them under a parent (422 `orgs_unmatched` otherwise). Applying the same
    job again, or the same file again, changes nothing. A preview made before the round's ledger
    changed (a problem, measure or progress line edited since) is refused with 409 `import_stale`:
    upload the file again and apply the new preview."""
    created = {text: (o.parent_id, o.kind) for text, o in data.create_orgs.items()}
    job = await apply_job(session, principal, round_id, job_id, data.org_mapping, created)
    await session.commit()
    return ImportJobRead.model_validate(job)
