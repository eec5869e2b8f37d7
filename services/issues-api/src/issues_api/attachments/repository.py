from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, bindparam, exists, func, not_, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import core_execute, fetch
from rectify_shared.models import Attachment, AttachmentLink, Closure, IndicatorValue, IssueOrg, ProgressReport

from ..auth.principal import Principal, Role, Scope
from ..issues.repository import _bound_subtree as bound_subtree
from ..issues.repository import _bounds as bounds
from .privacy import hidden_report


def _issue_in_scope(issue_col: Any, scope: Scope) -> ColumnElement[bool]:
    return exists().where(col(IssueOrg.issue_id) == issue_col, scope.clause(col(IssueOrg.org_path)))


def visible(scope: Scope, viewer: Principal | None = None) -> ColumnElement[bool]:
    """Uploaded by an org in scope, or evidence for a task the caller sees (the lead unit, the
    acceptors) — for a `viewer` unit, not another unit's measure's evidence when the round keeps
    measures' evidence apart (`attachments.privacy`)."""
    conditions = [
        col(AttachmentLink.attachment_id) == col(Attachment.id),
        _issue_in_scope(col(AttachmentLink.issue_id), scope),
    ]
    if viewer is not None and viewer.role == Role.unit_operator:
        pr = ProgressReport
        hidden = exists().where(
            col(pr.id) == col(AttachmentLink.target_id), hidden_report(viewer, col(pr.measure_id), col(pr.issue_id))
        )
        conditions.append(not_(and_(col(AttachmentLink.target_kind) == "progress_report", hidden)))
    return or_(scope.clause(col(Attachment.org_path)), exists().where(*conditions))


async def get(
    session: AsyncSession, attachment_id: int, scope: Scope, viewer: Principal | None = None
) -> Attachment | None:
    stmt = select(Attachment).where(col(Attachment.id) == attachment_id, visible(scope, viewer))
    return (await session.execute(stmt)).scalar_one_or_none()


async def brief_if_visible(
    session: AsyncSession, attachment_id: int, scope: Scope, viewer: Principal | None = None
) -> Row[Any] | None:
    """As `get`, the brief's columns only (id, filename, file_type, media_type, size, sha256):
    a write that links evidence needs no more, nor the entity in the session. Built once
    (`fetch`) but for a unit viewer, whose view also hides other units' measures' evidence."""
    if viewer is not None and viewer.role == Role.unit_operator:
        stmt = select(*_brief_columns()).where(col(Attachment.id) == attachment_id, visible(scope, viewer))
        return (await core_execute(session, stmt)).one_or_none()
    params = {"b_attachment_id": attachment_id, **bounds(scope.path, scope.exact, "scope")}
    rows = await fetch(session, _brief_statement(scope.exact), params)
    return rows[0] if rows else None


def _brief_columns() -> list[Any]:
    a = Attachment.__table__.c  # type: ignore[attr-defined]
    return [a.id, a.filename, a.file_type, a.media_type, a.size, a.sha256]


@lru_cache(maxsize=4)
def _brief_statement(exact: bool) -> Any:
    """`visible(scope)` with the scope's bounds as bind parameters (`issues.repository._bounds`)."""
    tables: list[Any] = [Attachment.__table__, AttachmentLink.__table__, IssueOrg.__table__]  # type: ignore[attr-defined]
    a, link, io = (t.c for t in tables)
    linked = exists().where(
        link.attachment_id == a.id,
        exists().where(io.issue_id == link.issue_id, bound_subtree(io.org_path, exact, "scope")),
    )
    return select(*_brief_columns()).where(
        a.id == bindparam("b_attachment_id", type_=a.id.type), or_(bound_subtree(a.org_path, exact, "scope"), linked)
    )


async def links_of(session: AsyncSession, attachment_id: int) -> Sequence[AttachmentLink]:
    stmt = (
        select(AttachmentLink)
        .where(col(AttachmentLink.attachment_id) == attachment_id)
        .order_by(col(AttachmentLink.linked_at), col(AttachmentLink.target_kind), col(AttachmentLink.target_id))
    )
    return (await session.execute(stmt)).scalars().all()


async def issues_of_hash(session: AsyncSession, sha256: str) -> list[int]:
    stmt = (
        select(col(AttachmentLink.issue_id))
        .join(Attachment, col(Attachment.id) == col(AttachmentLink.attachment_id))
        .where(col(Attachment.sha256) == sha256, col(AttachmentLink.issue_id).is_not(None))
        .distinct()
        .order_by(col(AttachmentLink.issue_id))
    )
    return [int(i) for i in (await session.execute(stmt)).scalars().all()]


async def visible_issue_ids(session: AsyncSession, ids: set[int], scope: Scope) -> set[int]:
    """Those of `ids` whose task the caller sees (an org of the task in scope)."""
    if not ids:
        return set()
    stmt = select(col(IssueOrg.issue_id)).where(
        col(IssueOrg.issue_id).in_(list(ids)), scope.clause(col(IssueOrg.org_path))
    )
    return {int(i) for i in (await session.execute(stmt.distinct())).scalars().all()}


#: link targets that belong to no task, and the table that scopes each (by its org_path)
UNTASKED_TARGETS: dict[str, Any] = {"closure": Closure, "indicator_value": IndicatorValue}


async def visible_target_ids(session: AsyncSession, kind: str, ids: Sequence[int], scope: Scope) -> set[int]:
    """Those of `ids` (targets of `kind` without a task: petition cases' closures, indicator values)
    in the caller's scope."""
    model = UNTASKED_TARGETS.get(kind)
    if not ids or model is None:
        return set()
    stmt = select(model.id).where(model.id.in_(list(ids)), scope.clause(model.org_path))
    return {int(i) for i in (await session.execute(stmt)).scalars().all()}


async def link_exists(session: AsyncSession, attachment_id: int, kind: str, target_id: int) -> bool:
    stmt = select(col(AttachmentLink.attachment_id)).where(
        col(AttachmentLink.attachment_id) == attachment_id,
        col(AttachmentLink.target_kind) == kind,
        col(AttachmentLink.target_id) == target_id,
    )
    return (await session.execute(stmt)).first() is not None


async def duplicates_page(session: AsyncSession, scope: Scope, after: str | None, limit: int) -> Sequence[Row[str]]:
    """Hashes filed as evidence for two or more different tasks in the caller's scope."""
    stmt = (
        select(col(Attachment.sha256))
        .join(AttachmentLink, col(AttachmentLink.attachment_id) == col(Attachment.id))
        .where(col(AttachmentLink.issue_id).is_not(None), _issue_in_scope(col(AttachmentLink.issue_id), scope))
        .group_by(col(Attachment.sha256))
        .having(func.count(col(AttachmentLink.issue_id).distinct()) > 1)
    )
    if after is not None:
        stmt = stmt.where(col(Attachment.sha256) > after)
    return (await session.execute(stmt.order_by(col(Attachment.sha256)).limit(limit + 1))).all()


async def duplicate_details(session: AsyncSession, scope: Scope, hashes: Sequence[str]) -> Sequence[Row[str, int, int]]:
    """(sha256, attachment id, issue id) of the files with those hashes linked to a task in scope."""
    if not hashes:
        return []
    stmt = (
        select(col(Attachment.sha256), col(Attachment.id), col(AttachmentLink.issue_id))
        .join(AttachmentLink, col(AttachmentLink.attachment_id) == col(Attachment.id))
        .where(
            col(Attachment.sha256).in_(list(hashes)),
            col(AttachmentLink.issue_id).is_not(None),
            _issue_in_scope(col(AttachmentLink.issue_id), scope),
        )
        .order_by(col(Attachment.sha256), col(Attachment.id))
    )
    return (await session.execute(stmt)).all()


async def briefs_of_targets(session: AsyncSession, kind: str, target_ids: Sequence[int]) -> dict[int, list[Any]]:
    """target id -> its linked attachments (rows of id, filename, file_type, media_type, size, sha256),
    in the order linked, for a page of targets in one query. The caller has checked it sees the
    targets: evidence of a task the caller sees is visible to it (`visible`)."""
    if not target_ids:
        return {}
    stmt = (
        select(
            col(AttachmentLink.target_id),
            col(Attachment.id),
            col(Attachment.filename),
            col(Attachment.file_type),
            col(Attachment.media_type),
            col(Attachment.size),
            col(Attachment.sha256),
        )
        .join(Attachment, col(Attachment.id) == col(AttachmentLink.attachment_id))
        .where(col(AttachmentLink.target_kind) == kind, col(AttachmentLink.target_id).in_(list(target_ids)))
        .order_by(col(AttachmentLink.target_id), col(AttachmentLink.linked_at), col(Attachment.id))
    )
    out: dict[int, list[Any]] = {}
    for row in (await session.execute(stmt)).all():
        out.setdefault(int(row[0]), []).append(row)
    return out
