from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from rectify_shared.storage import Storage

from ..auth.deps import AttachmentsAuditor, AttachmentsWriter, LedgerReader
from ..core import signed_links
from ..core.deps import AppState, SessionDep, StateDep
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from . import repository, service
from .names import safe_filename
from .schemas import AttachmentRead, DuplicateFile, LinkCreate
from .sniff import MEDIA_TYPES

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"])


def _storage(state: AppState) -> Storage:
    """The app's evidence store (set at start-up, see main.py)."""
    assert state.storage is not None, "the app starts with a storage"
    return state.storage


@router.post("", status_code=201, response_model=AttachmentRead, responses=errors(413, 415, 422, 503))
async def upload_attachment(
    session: SessionDep,
    state: StateDep,
    principal: AttachmentsWriter,
    response: Response,
    file: Annotated[UploadFile, File(description="The evidence file (pdf, jpeg, png, docx, xlsx, ofd)")],
    org_id: Annotated[int | None, Form(description="Office only: file for this org in your subtree")] = None,
) -> AttachmentRead:
    """Upload evidence (佐证材料), multipart. The type is recognised from the content, never the name;
    the size limit and the accepted types are settings. The bytes are stored once per SHA-256."""
    limit = state.settings.attachment_max_bytes
    data = await file.read(limit + 1)
    row = await service.upload(
        session,
        _storage(state),
        principal,
        data=data,
        filename=file.filename or "",
        org_id=org_id,
        max_bytes=limit,
        allowed=state.settings.allowed_attachment_types,
    )
    await session.commit()
    assert row.id is not None
    response.headers["Location"] = f"/api/v1/attachments/{row.id}"
    return await service.read(session, row.id, principal)


@router.get("/duplicates", response_model=Page[DuplicateFile], responses=errors(422))
async def list_duplicates(
    session: SessionDep, principal: AttachmentsAuditor, limit: Limit = 50, cursor: Cursor = None
) -> Page[DuplicateFile]:
    """Files (by SHA-256) filed as evidence for two or more different tasks — for the office to check."""
    after = str(decode_cursor(cursor, "sha256")[0]) if cursor else None
    rows = await repository.duplicates_page(session, principal.scope, after, limit)
    hashes = [r.sha256 for r in rows[:limit]]
    details = await repository.duplicate_details(session, principal.scope, hashes)
    by_hash: dict[str, tuple[set[int], set[int]]] = {h: (set(), set()) for h in hashes}
    for sha, aid, issue_id in details:
        by_hash[sha][0].add(issue_id)
        by_hash[sha][1].add(aid)
    items = [DuplicateFile(sha256=h, issue_ids=sorted(i), attachment_ids=sorted(a)) for h, (i, a) in by_hash.items()]
    nxt = encode_cursor("sha256", hashes[-1], 0) if len(rows) > limit else None
    return Page[DuplicateFile](items=items, next_cursor=nxt)


@router.get("/{attachment_id}", response_model=AttachmentRead, responses=errors(404))
async def get_attachment(attachment_id: int, session: SessionDep, principal: LedgerReader) -> AttachmentRead:
    """An attachment's metadata, what it is evidence for, and whether the same file proves other tasks."""
    return await service.read(session, attachment_id, principal)


@router.get(
    "/{attachment_id}/content",
    response_class=Response,
    responses={**errors(404, 410, 503), 200: {"content": {"application/octet-stream": {}}}},
)
async def download_attachment(
    attachment_id: int, session: SessionDep, state: StateDep, principal: LedgerReader
) -> Response:
    """The file itself (scope-checked like its metadata)."""
    att, data = await service.content(session, _storage(state), attachment_id, principal.scope, principal)
    return _file(att, data, "attachment")


#: what a webview shows in place (an <img src>, a PDF viewer); anything else downloads
_INLINE = frozenset({"jpeg", "png", "pdf"})


def _file(att: Any, data: bytes, disposition: str, cache: str | None = None) -> Response:
    # name, extension and type follow the sniffed type, also for names stored before they were cleaned
    name = safe_filename(att.filename, att.file_type)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    headers = {
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "X-Content-SHA256": att.sha256,
    }
    if cache:
        headers["Cache-Control"] = cache
    return Response(data, media_type=MEDIA_TYPES.get(att.file_type, "application/octet-stream"), headers=headers)


@router.post("/{attachment_id}/link", response_model=signed_links.SignedLink, responses=errors(404, 422))
async def signed_link_for_attachment(
    attachment_id: int,
    request: Request,
    session: SessionDep,
    state: StateDep,
    principal: LedgerReader,
    minutes: signed_links.Minutes = signed_links.DEFAULT_MINUTES,
) -> signed_links.SignedLink:
    """A short-lived URL of the file that opens without an Authorization header (an `<img src>`,
    a webview's `<a href>`), bound to your scope. Images and PDFs are served inline."""
    await service.read(session, attachment_id, principal)  # 404 outside scope
    token, expires = signed_links.sign(state.jwt_secret, "attachment", attachment_id, principal, minutes)
    return signed_links.link(request, f"/api/v1/attachments/{attachment_id}/signed", token, expires)


@router.get(
    "/{attachment_id}/signed",
    response_class=Response,
    responses={**errors(403, 404, 410, 422, 503), 200: {"content": {"application/octet-stream": {}}}},
)
async def download_signed_attachment(
    attachment_id: int, token: signed_links.Token, request: Request, session: SessionDep, state: StateDep
) -> Response:
    """The file through a signed link (no Authorization header): 403 when the link is forged or
    expired, 404 when the file is no longer in the scope it was signed for."""
    grant = signed_links.verify(state.jwt_secret, "attachment", attachment_id, token)
    await signed_links.enter_scope(request, session, grant.scope)
    att, data = await service.content(session, _storage(state), attachment_id, grant.scope)
    disposition = "inline" if att.file_type in _INLINE else "attachment"
    return _file(att, data, disposition, cache="private, max-age=300")


@router.post("/{attachment_id}/links", status_code=201, response_model=AttachmentRead, responses=errors(404, 422))
async def link_attachment(
    attachment_id: int, data: LinkCreate, session: SessionDep, principal: AttachmentsWriter
) -> AttachmentRead:
    """File an attachment as evidence for a progress report or a closure application."""
    await service.read(session, attachment_id, principal)  # 404 outside scope
    await service.link(session, principal, [attachment_id], data.target_kind, data.target_id, "body.target_id")
    await session.commit()
    return await service.read(session, attachment_id, principal)
