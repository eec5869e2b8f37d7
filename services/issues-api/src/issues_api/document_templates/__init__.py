"""The office's templates for the documents (销号公示, 销号审批表, 信访件办理情况, 信访件一览表, 整改落实情况报告,
具体问题整改进展情况, 整改台账, 指标完成情况, 调度情况, 预警/通报/督办/约谈函).

An upload is a new version (rows are never updated), checked first by a preview render with the
kind's example data: a template that cannot render is refused with its line. The report-worker
reads the version in force when it renders (`rectify_shared.document_templates.store`).
"""

import asyncio
import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.document_templates import DOCX, DOCX_KINDS, TEXT, Piece, TemplateProblem, preview
from rectify_shared.events import InternalEventType, internal
from rectify_shared.models import DocumentTemplate

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.error_catalogue import CONFLICT, UNSUPPORTED_MEDIA_TYPE
from ..core.limits import DOCUMENT_TEMPLATE_MAX_BYTES
from ..outbox.writer import record_event
from .errors import TEMPLATE_INVALID

MAX_BYTES = DOCUMENT_TEMPLATE_MAX_BYTES
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Owner:
    """Whose template: a round's (owned by its office) or an org's."""

    scope: str
    round_id: int | None
    org_id: int | None
    org_path: str


def template_format(kind: str, content: bytes, content_type: str) -> str:
    is_docx = content_type.startswith(DOCX_MEDIA) or content[:2] == b"PK"
    if not is_docx:
        return TEXT
    if kind not in DOCX_KINDS:
        raise UNSUPPORTED_MEDIA_TYPE.error(
            [{"field": "header.content-type", "reason": f"a .docx template is for {', '.join(sorted(DOCX_KINDS))}"}],
            message="该文档类型只接受文本模板（Jinja）",
            message_en=f"{kind} takes a text (Jinja) template only: its table rows or charts are placed by blocks",
        )
    return DOCX


def preview_lines(pieces: list[Piece], limit: int = 40) -> list[str]:
    marks = {"title": "# ", "heading": "## ", "subheading": "### ", "para": ""}
    out = []
    for p in pieces[:limit]:
        if p.kind == "table":
            out.append("| " + " | ".join(p.headers) + " |")
            out += ["| " + " | ".join(r) + " |" for r in p.rows]
        else:
            out.append(marks.get(p.kind, f"::{p.kind} ") + p.text)
    return out


async def check(kind: str, fmt: str, content: bytes) -> list[str]:
    """The preview render; a broken template is a 422 naming its line."""
    try:
        pieces = await asyncio.to_thread(preview, kind, fmt, content)
    except TemplateProblem as problem:
        where_zh = f"第{problem.line}行：" if problem.line else ""
        raise TEMPLATE_INVALID.error(
            where_zh=where_zh,
            problem_message=problem.message,
            problem=problem,
            details=[{"field": "body", "row": problem.line, "reason": problem.message}],
        ) from problem
    return preview_lines(pieces)


async def upload(
    session: AsyncSession, principal: Principal, kind: str, owner: Owner, fmt: str, content: bytes, filename: str
) -> DocumentTemplate:
    """Store a new version (the caller commits); audited, and an outbox event so that a report
    made with the old template is not reused."""
    where = (col(DocumentTemplate.kind) == kind, col(DocumentTemplate.scope) == owner.scope)
    previous = (
        await session.execute(select(func.max(col(DocumentTemplate.version))).where(*where))
    ).scalar_one_or_none() or 0
    row = DocumentTemplate(
        kind=kind,
        scope=owner.scope,
        round_id=owner.round_id,
        org_id=owner.org_id,
        org_path=owner.org_path,
        version=previous + 1,
        format=fmt,
        content=content,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=principal.name,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise CONFLICT.error(
            message="另一版本刚刚上传，请重试", message_en="Another version was just uploaded; try again"
        ) from exc
    summary = {"version": row.version, "format": fmt, "filename": row.filename, "sha256": row.sha256}
    await record_audit(
        session,
        principal,
        "document_template.uploaded",
        "document_template",
        f"{kind}/{owner.scope}",
        before={"version": previous} if previous else None,
        after=summary,
        org_path=owner.org_path,
    )
    record_event(
        session,
        InternalEventType.document_template_uploaded,
        "document_template",
        row.id or 0,
        internal.DocumentTemplateUploaded(kind=kind, scope=owner.scope, version=row.version),
        org_path=owner.org_path,
    )
    return row
