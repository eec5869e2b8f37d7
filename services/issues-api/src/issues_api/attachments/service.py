"""Evidence: upload (type from the bytes, size-limited, stored by SHA-256), link, read, flag reuse."""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import insert_of, write
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import Attachment, AttachmentLink, Closure, ProgressReport
from rectify_shared.models.types import utcnow
from rectify_shared.storage import Storage, StorageError

from ..auth.principal import Principal, Role, Scope
from ..core.errors import ApiError, invalid, not_found
from ..issues import repository as issues
from ..orgs import repository as orgs
from ..outbox.change import Change, record_change, record_changes
from . import repository
from .errors import CONTENT_MISSING, FILE_TOO_LARGE, STORAGE_UNAVAILABLE, UNSUPPORTED_FILE_TYPE
from .names import safe_filename
from .privacy import hidden_report_ids
from .schemas import AttachmentLinkRef, AttachmentRead
from .sniff import MEDIA_TYPES, sniff


def storage_unavailable(exc: Exception) -> ApiError:
    return STORAGE_UNAVAILABLE.error(exc=exc)


async def upload(
    session: AsyncSession,
    storage: Storage,
    principal: Principal,
    *,
    data: bytes,
    filename: str,
    org_id: int | None,
    max_bytes: int,
    allowed: frozenset[str],
) -> Attachment:
    if len(data) > max_bytes:
        raise FILE_TOO_LARGE.error(
            max_bytes=max_bytes, details=[{"field": "file", "reason": f"{len(data)} > {max_bytes} bytes"}]
        )
    if not data:
        raise invalid("file", "empty", "文件为空", "The file is empty")
    kind = sniff(data)
    if kind is None or kind not in allowed:
        raise UNSUPPORTED_FILE_TYPE.error(
            join_sorted_allowed="、".join(sorted(allowed)),
            join_sorted_allowed_=", ".join(sorted(allowed)),
            details=[{"field": "file", "reason": f"recognised as {kind or 'unknown'}"}],
        )
    # a unit files evidence as itself; the office may file it for any org in its subtree
    target_org = principal.org_id if org_id is None or principal.role == Role.unit_operator else org_id
    if org_id is not None and principal.role == Role.unit_operator and org_id != principal.org_id:
        raise invalid("org_id", "not your org", "只能以本单位名义上传", "Units upload as themselves")
    org = await orgs.get(session, target_org)
    if org is None or org.id is None or not principal.subtree.contains(org.path):
        raise invalid("org_id", "no such org in your scope", "单位不存在或不在管辖范围内", "Org not in your scope")
    sha = hashlib.sha256(data).hexdigest()
    try:
        await storage.put(sha, data)
    except StorageError as exc:
        raise storage_unavailable(exc) from exc
    row = Attachment(
        sha256=sha,
        size=len(data),
        file_type=kind,
        media_type=MEDIA_TYPES[kind],
        filename=safe_filename(filename, kind),
        org_id=org.id,
        org_path=org.path,
        uploaded_by=principal.name,
        uploaded_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    await record_change(
        session,
        principal,
        EventType.attachment_uploaded,
        "attachment",
        row.id,
        data=ev.AttachmentUploaded(id=row.id, sha256=sha, size=row.size, file_type=kind, org_id=org.id),
        after={"sha256": sha, "size": row.size, "file_type": kind, "filename": row.filename, "org_id": org.id},
        org_path=org.path,
    )
    return row


async def _target_issue(
    session: AsyncSession, principal: Principal, kind: str, target_id: int
) -> tuple[int | None, str]:
    """(issue id, issue org path) of a link target the caller sees; 422 otherwise. The closure of a
    petition case has no issue: (None, the closure's org path) when the caller sees the case."""
    issue_id: int | None = None
    if kind == "progress_report":
        report = (
            await session.execute(
                select(ProgressReport).where(
                    col(ProgressReport.id) == target_id, col(ProgressReport.withdrawn_at).is_(None)
                )
            )
        ).scalar_one_or_none()
        issue_id = report.issue_id if report else None
    elif kind == "closure":
        closure = await session.get(Closure, target_id)
        if closure is not None and closure.petition_case_id is not None:
            from ..petitions.repository import get as get_case

            if await get_case(session, closure.petition_case_id, principal.scope) is not None:
                return None, closure.org_path
        issue_id = closure.issue_id if closure else None
    issue = await issues.get(session, issue_id, principal.scope) if issue_id is not None else None
    if issue is None or issue.id is None:
        raise invalid(
            "body.target_id", "no such target in your scope", "关联对象不存在", "No such target in your scope"
        )
    return issue.id, issue.org_path


async def link(
    session: AsyncSession, principal: Principal, attachment_ids: Sequence[int], kind: str, target_id: int, field: str
) -> None:
    """Link attachments (each visible to the caller) to a target; linking twice is a no-op."""
    issue_id, issue_path = await _target_issue(session, principal, kind, target_id)
    for aid in dict.fromkeys(attachment_ids):
        await check_visible(session, principal, aid, field)
        await attach(session, principal, aid, kind, target_id, issue_id, issue_path)
    await session.flush()


async def check_visible(session: AsyncSession, principal: Principal, attachment_id: int, field: str) -> None:
    """422 unless the attachment exists and the caller may see it (uploaded in scope, or evidence
    for a task in scope)."""
    if await repository.get(session, attachment_id, principal.scope, principal) is None:
        raise _not_visible(field, attachment_id)


async def visible_brief(session: AsyncSession, principal: Principal, attachment_id: int, field: str) -> Any:
    """`check_visible`, giving the attachment's brief columns (`repository.brief_if_visible`)."""
    row = await repository.brief_if_visible(session, attachment_id, principal.scope, principal)
    if row is None:
        raise _not_visible(field, attachment_id)
    return row


def _not_visible(field: str, attachment_id: int) -> Exception:
    return invalid(
        field,
        f"no such attachment in your scope: {attachment_id}",
        "佐证材料不存在或不在管辖范围内",
        f"Attachment {attachment_id} not found in your scope",
    )


_INSERT_LINK = insert_of(
    AttachmentLink.__table__,  # type: ignore[attr-defined]
    ("attachment_id", "target_kind", "target_id", "issue_id", "linked_by", "linked_at"),
)


def _linked(attachment_id: int, kind: str, target_id: int, issue_id: int | None, org_path: str) -> Change:
    """The audit entry and outbox event of one new link (`attachment.linked`), for `record_changes`."""
    data = ev.AttachmentLinked(attachment_id=attachment_id, target_kind=kind, target_id=target_id, issue_id=issue_id)
    return Change(EventType.attachment_linked, "attachment", attachment_id, data, org_path)


async def link_to_new(
    session: AsyncSession,
    principal: Principal,
    attachment_ids: list[int],
    kind: str,
    target_id: int,
    issue_id: int | None,
    org_path: str,
) -> tuple[list[datetime], list[Change]]:
    """`attach` for a target written in this transaction (it has no links yet: none is looked
    for), each link one Core INSERT; the links' `linked_at`, in the order given, and their
    changes, which the caller records with its own (`outbox.change.record_changes`: one append)."""
    stamps = []
    changes = []
    for attachment_id in attachment_ids:
        linked_at = utcnow()
        await write(
            session,
            _INSERT_LINK,
            {
                "b_attachment_id": attachment_id,
                "b_target_kind": kind,
                "b_target_id": target_id,
                "b_issue_id": issue_id,
                "b_linked_by": principal.name,
                "b_linked_at": linked_at,
            },
        )
        changes.append(_linked(attachment_id, kind, target_id, issue_id, org_path))
        stamps.append(linked_at)
    return stamps, changes


async def attach(
    session: AsyncSession,
    principal: Principal,
    attachment_id: int,
    kind: str,
    target_id: int,
    issue_id: int | None,
    org_path: str,
) -> None:
    """Link a checked attachment to a target (audited); linking twice is a no-op."""
    if await repository.link_exists(session, attachment_id, kind, target_id):
        return
    session.add(
        AttachmentLink(
            attachment_id=attachment_id,
            target_kind=kind,
            target_id=target_id,
            issue_id=issue_id,
            linked_by=principal.name,
            linked_at=utcnow(),
        )
    )
    await record_changes(session, principal, [_linked(attachment_id, kind, target_id, issue_id, org_path)])


async def read(session: AsyncSession, attachment_id: int, principal: Principal) -> AttachmentRead:
    att = await repository.get(session, attachment_id, principal.scope, principal)
    if att is None or att.id is None:
        raise not_found("佐证材料", "Attachment")
    links = await repository.links_of(session, att.id)
    every = await repository.issues_of_hash(session, att.sha256)
    # only what the caller may see (finding 16): other orgs' task ids stay theirs
    seen = await repository.visible_issue_ids(
        session, {*every, *(lk.issue_id for lk in links if lk.issue_id)}, principal.scope
    )
    untasked: dict[str, set[int]] = {}
    for kind in repository.UNTASKED_TARGETS:
        ids = [lk.target_id for lk in links if lk.issue_id is None and lk.target_kind == kind]
        untasked[kind] = await repository.visible_target_ids(session, kind, ids, principal.scope)
    hidden = await hidden_report_ids(
        session, principal, [lk.target_id for lk in links if lk.target_kind == "progress_report"]
    )
    links = [
        lk
        for lk in links
        if (lk.issue_id in seen if lk.issue_id is not None else lk.target_id in untasked.get(lk.target_kind, ()))
        and not (lk.target_kind == "progress_report" and lk.target_id in hidden)
    ]
    same = [i for i in every if i in seen]
    return AttachmentRead(
        id=att.id,
        sha256=att.sha256,
        size=att.size,
        file_type=att.file_type,
        media_type=att.media_type,
        filename=att.filename,
        org_id=att.org_id,
        uploaded_by=att.uploaded_by,
        uploaded_at=att.uploaded_at,
        links=[
            AttachmentLinkRef(
                target_kind=lk.target_kind,
                target_id=lk.target_id,
                issue_id=lk.issue_id,
                linked_by=lk.linked_by,
                linked_at=lk.linked_at,
            )
            for lk in links
        ],
        same_file_issue_ids=same,
        flagged=len(every) > 1,
    )


async def content(
    session: AsyncSession, storage: Storage, attachment_id: int, scope: Scope, viewer: Principal | None = None
) -> tuple[Attachment, bytes]:
    """The file, for a caller of `scope` (a signed link's: its maker's rights were checked when it was
    made), or of `viewer` (whose unit may not see other measures' evidence, see `visible`)."""
    att = await repository.get(session, attachment_id, scope, viewer)
    if att is None:
        raise not_found("佐证材料", "Attachment")
    try:
        data = await storage.get(att.sha256)
    except StorageError as exc:
        raise storage_unavailable(exc) from exc
    if data is None:
        raise CONTENT_MISSING.error()
    return att, data
