"""The office's view of its document templates: every kind's template in force, a preview render
(of the template in force or of one not yet uploaded), and going back to the shipped default."""

from typing import Any

from fastapi import Request

from rectify_shared.document_templates import DOCX, DOCX_KINDS, TEMPLATE_KINDS, TEXT, default_template
from rectify_shared.document_templates.store import effective_template

from ..auth.deps import LedgerReader, TemplatesManager
from ..core.deps import SessionDep
from ..core.errors import errors
from . import check, template_format, upload
from .router import _UPLOAD_BODY, OrgQuery, RoundQuery, _owner, read_template, router, within_size
from .schemas import KIND_LABELS, DocumentKind, DocumentTemplateRead, DocumentTemplateState, TemplatePreview


def _formats(kind: str) -> list[Any]:
    return [TEXT, DOCX] if kind in DOCX_KINDS else [TEXT]


@router.get("", response_model=list[DocumentTemplateState], responses=errors(404, 422))
async def list_templates(
    principal: LedgerReader, session: SessionDep, round_id: RoundQuery = None, org_id: OrgQuery = None
) -> list[DocumentTemplateState]:
    """Every document kind with the template in force for the round or org (the shipped default: version 0)."""
    _, path = await _owner(session, principal, round_id, org_id)
    out = []
    for kind in TEMPLATE_KINDS:
        row = await effective_template(session, kind, round_id, path)
        state = DocumentTemplateState(
            kind=kind,
            label=KIND_LABELS.get(kind, kind),
            formats=_formats(kind),
            scope="default",
            version=0,
            format=TEXT,
            filename=f"{kind}.j2",
        )
        if row is not None:
            state.scope, state.version, state.filename = row.scope, row.version, row.filename
            state.format = "docx" if row.format == DOCX else "text"
            state.created_by, state.created_at = row.created_by, row.created_at
        out.append(state)
    return out


@router.post(
    "/{kind}/preview",
    response_model=TemplatePreview,
    responses=errors(404, 413, 415, 422),
    openapi_extra={"requestBody": {**_UPLOAD_BODY["requestBody"], "required": False}},
)
async def preview_template(
    kind: DocumentKind,
    request: Request,
    principal: TemplatesManager,
    session: SessionDep,
    round_id: RoundQuery = None,
    org_id: OrgQuery = None,
) -> TemplatePreview:
    """Render the kind's example data with the template sent (nothing is stored), or, with an empty
    body, with the template in force; a template that cannot render is a 422 naming its line."""
    owner, path = await _owner(session, principal, round_id, org_id)
    content, content_type, _ = await read_template(request, f"{kind}.j2")
    within_size(content)
    if content.strip():
        fmt = template_format(kind, content, content_type)
        lines = await check(kind, fmt, content)
        return TemplatePreview(kind=kind, format=fmt, source="body", scope=owner.scope, lines=lines)
    row = await effective_template(session, kind, owner.round_id, path)
    if row is None:
        content, fmt, scope = default_template(kind).encode("utf-8"), TEXT, "default"
    else:
        content, fmt, scope = row.content, DOCX if row.format == DOCX else TEXT, row.scope
    lines = await check(kind, fmt, content)
    return TemplatePreview(kind=kind, format=fmt, source="in_force", scope=scope, lines=lines)


@router.post("/{kind}/reset", response_model=DocumentTemplateRead, responses=errors(404, 409, 422))
async def reset_template(
    kind: DocumentKind,
    principal: TemplatesManager,
    session: SessionDep,
    round_id: RoundQuery = None,
    org_id: OrgQuery = None,
) -> DocumentTemplateRead:
    """Go back to the shipped default: it is stored as the round's or org's newest version (audited),
    so the history of uploads stays and the default wins over an org's template up the tree."""
    owner, _ = await _owner(session, principal, round_id, org_id, write=True)
    content = default_template(kind).encode("utf-8")
    lines = await check(kind, TEXT, content)
    row = await upload(session, principal, kind, owner, TEXT, content, f"{kind}.j2")
    await session.commit()
    return DocumentTemplateRead(
        kind=kind,
        scope=row.scope,
        round_id=row.round_id,
        org_id=row.org_id,
        version=row.version,
        format=TEXT,
        filename=row.filename,
        sha256=row.sha256,
        size_bytes=len(content),
        created_by=row.created_by,
        created_at=row.created_at,
        preview=lines,
    )


__all__ = ["router"]
