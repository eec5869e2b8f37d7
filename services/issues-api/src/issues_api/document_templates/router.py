from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from rectify_shared.document_templates import (
    BLOCK_KINDS,
    DOCX,
    DOCX_KINDS,
    FILTER_DOCS,
    SCHEMAS,
    TEXT,
    default_template,
)
from rectify_shared.document_templates.starter import starter_docx
from rectify_shared.document_templates.store import effective_template
from rectify_shared.models import Org

from ..auth.deps import LedgerReader, TemplatesManager
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.error_catalogue import PAYLOAD_TOO_LARGE
from ..core.errors import errors, invalid, not_found
from ..rounds import repository as rounds
from . import DOCX_MEDIA, MAX_BYTES, Owner, check, template_format, upload
from .schemas import DocumentKind, DocumentTemplateRead, TemplateFilter, TemplateSchema, TemplateVariable

router = APIRouter(prefix="/api/v1/document-templates", tags=["document templates"])

RoundQuery = Annotated[int | None, Query(description="The round whose documents use the template")]
OrgQuery = Annotated[
    int | None,
    Query(description="The org whose documents (on every round) use the template; default: your own org"),
]
TEXT_MEDIA = "text/plain; charset=utf-8"
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The template: Jinja text (UTF-8, the block lines of the download) or a Word .docx with "
        "Jinja inside (docxtpl; every kind but ledger and indicators, whose table rows and charts are placed by "
        "text blocks), as the raw body (any Content-Type: text/plain, "
        "the .docx type, application/octet-stream) or a multipart field `file`",
        "content": {
            # one binary body: the server reads what it is from its bytes (a .docx is a zip), whatever its
            # Content-Type says (text/plain and the .docx type are taken too; generated clients send this)
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary"},
                "example": "# {{ title }}\n根据{{ inspection }}整改工作安排，……\n特此公示。\n"
                "::signature {{ office }}\n::date {{ publicity.start | cn_date }}\n",
            },
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
                "example": {"file": "销号公示.docx"},
            },
        },
    }
}
_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The template in force: headers X-Template-Scope (round:<id>, org:<id> or default) and "
        "X-Template-Version (0 for the shipped default)",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            DOCX_MEDIA: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _owner(
    session: SessionDep, principal: Principal, round_id: int | None, org_id: int | None, *, write: bool = False
) -> tuple[Owner, str]:
    """(whose template, the org path whose ancestors' templates apply). A round's template is
    written by its office (or above); anyone who sees the round reads it."""
    if round_id is not None and org_id is not None:
        raise invalid(
            "query", "round_id and org_id together", "只能指定轮次或单位之一", "Give round_id or org_id, not both"
        )
    if round_id is not None:
        rnd = await rounds.get_visible(session, principal, round_id)
        office = await session.get(Org, rnd.org_id) if rnd is not None else None
        if rnd is None or office is None or (write and not principal.subtree.contains(office.path)):
            raise not_found("督察轮次", "Inspection round")
        return Owner(f"round:{round_id}", round_id, None, office.path), office.path
    org = await session.get(Org, org_id if org_id is not None else principal.org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise not_found("单位", "Org")
    return Owner(f"org:{org.id}", None, org.id, org.path), org.path


@router.get("/{kind}", response_class=Response, responses={**_DOWNLOAD, **errors(404, 422)})
async def download_template(
    kind: DocumentKind,
    principal: LedgerReader,
    session: SessionDep,
    round_id: RoundQuery = None,
    org_id: OrgQuery = None,
    format: Annotated[
        Literal["docx"] | None,
        Query(description="docx: a text template laid out as a Word starter (docxtpl) to edit in Word"),
    ] = None,
) -> Response:
    """The template in force for the round or org — the round's newest upload, else the nearest
    org's up the tree, else the shipped default — to edit and upload again."""
    owner, path = await _owner(session, principal, round_id, org_id)
    row = await effective_template(session, kind, owner.round_id, path)
    if row is None:
        content, fmt, name, scope, version = default_template(kind).encode("utf-8"), TEXT, f"{kind}.j2", "default", 0
    else:
        content, fmt, name, scope, version = row.content, row.format, row.filename, row.scope, row.version
    if format == DOCX and fmt == TEXT:
        if kind not in DOCX_KINDS:
            raise invalid(
                "query.format",
                "no Word templates for this kind",
                "该文档类型只接受文本模板",
                f"{kind} takes text templates only",
            )
        content, fmt, name = starter_docx(content.decode("utf-8")), DOCX, f"{name.rsplit('.', 1)[0]}.docx"
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "X-Template-Scope": scope,
        "X-Template-Version": str(version),
    }
    return Response(content, media_type=DOCX_MEDIA if fmt == DOCX else TEXT_MEDIA, headers=headers)


async def read_template(request: Request, filename: str) -> tuple[bytes, str, str]:
    """A template sent as the raw body or as a form's `file` part: (content, its content type, its
    file name, else `filename`)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return await request.body(), content_type, filename
    part = (await request.form()).get("file")
    if part is None or isinstance(part, str):
        return b"", content_type, filename
    return await part.read(), part.content_type or "", part.filename or filename


def within_size(content: bytes) -> None:
    if len(content) > MAX_BYTES:
        raise PAYLOAD_TOO_LARGE.error(message="模板文件过大（上限2 MiB）", message_en="The template exceeds 2 MiB")


@router.put(
    "/{kind}",
    response_model=DocumentTemplateRead,
    responses=errors(404, 409, 413, 415, 422),
    openapi_extra=_UPLOAD_BODY,
)
async def upload_template(
    kind: DocumentKind,
    request: Request,
    principal: TemplatesManager,
    session: SessionDep,
    round_id: RoundQuery = None,
    org_id: OrgQuery = None,
) -> DocumentTemplateRead:
    """Upload a new version of the round's or the org's template (office admins; audited). It is
    rendered first with the kind's example data: a template that cannot render is refused with a
    422 naming its line, and nothing is stored."""
    owner, _ = await _owner(session, principal, round_id, org_id, write=True)
    content, content_type, filename = await read_template(request, f"{kind}.j2")
    if not content.strip():
        raise invalid("body", "empty template", "模板内容为空", "The template is empty")
    within_size(content)
    fmt = template_format(kind, content, content_type)
    if fmt == DOCX and filename.endswith(".j2"):
        filename = f"{kind}.docx"
    lines = await check(kind, fmt, content)
    row = await upload(session, principal, kind, owner, fmt, content, filename)
    await session.commit()
    return DocumentTemplateRead(
        kind=kind,
        scope=row.scope,
        round_id=row.round_id,
        org_id=row.org_id,
        version=row.version,
        format=DOCX if row.format == DOCX else TEXT,
        filename=row.filename,
        sha256=row.sha256,
        size_bytes=len(content),
        created_by=row.created_by,
        created_at=row.created_at,
        preview=lines,
    )


@router.get("/{kind}/schema", response_model=TemplateSchema, responses=errors(422))
async def get_template_schema(kind: DocumentKind, principal: LedgerReader) -> TemplateSchema:
    """The variables a template of the kind may use (Chinese descriptions and examples), the
    wording filters, and the block kinds it may write."""
    return TemplateSchema(
        kind=kind,
        variables=[
            TemplateVariable(name=v.name, type=v.type, description=v.description, example=v.example)
            for v in SCHEMAS[kind]
        ],
        filters=[TemplateFilter(**f) for f in FILTER_DOCS],
        blocks=sorted(BLOCK_KINDS[kind]),
        formats=[TEXT, DOCX] if kind in DOCX_KINDS else [TEXT],
    )
