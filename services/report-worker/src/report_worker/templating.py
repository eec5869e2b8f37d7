"""Documents drawn from the office's template (`rectify_shared.document_templates`).

A kind's loader attaches the template in force (`load_choice`: the round's, else the nearest
org's up the report's path) to its snapshot; None means the shipped default. Rendering is then:

- a text template → blocks (`pieces`) → md, pdf and docx, each drawn from the same blocks;
- a Word template (docxtpl) → the .docx itself; md and pdf from the blocks read back out of it
  (`docx_blocks`), so that one edit in Word changes the three formats.
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.document_templates import (
    BLOCK_KINDS,
    DOCX,
    TEXT,
    Piece,
    default_template,
    docx_blocks,
    render_docx,
    render_text,
)
from rectify_shared.document_templates.store import effective_template

from .render.gongwen import Block


@dataclass(frozen=True)
class TemplateChoice:
    format: str  # "text" | "docx"
    content: bytes
    #: the uploaded version in force (None: the shipped default)
    version: int | None = None


def shipped(kind: str) -> TemplateChoice:
    return TemplateChoice(TEXT, default_template(kind).encode("utf-8"))


async def load_choice(session: AsyncSession, kind: str, job: Any) -> TemplateChoice | None:
    row = await effective_template(session, kind, getattr(job, "round_id", None), getattr(job, "org_path", None))
    return TemplateChoice(row.format, row.content, row.version) if row is not None else None


@dataclass(frozen=True)
class Drawn:
    """What a template made of the data: its blocks, and the .docx when the template is Word's."""

    pieces: list[Piece]
    docx: bytes | None = None


def draw(kind: str, choice: TemplateChoice | None, context: dict[str, Any]) -> Drawn:
    choice = choice or shipped(kind)
    if choice.format == DOCX:
        filled = render_docx(choice.content, context)
        return Drawn(docx_blocks(filled, BLOCK_KINDS[kind]), filled)
    return Drawn(render_text(choice.content.decode("utf-8"), context, BLOCK_KINDS[kind]))


_GONGWEN = {"subheading": "heading"}


def gongwen_blocks(pieces: list[Piece]) -> list[Block]:
    """The template's blocks as 公文 blocks (a ### subheading prints as a heading)."""
    return [
        Block(_GONGWEN.get(p.kind, p.kind), p.text, headers=p.headers, rows=p.rows)  # type: ignore[arg-type]
        for p in pieces
    ]


def first_text(pieces: list[Piece], kind: str, default: str) -> str:
    return next((p.text for p in pieces if p.kind == kind), default)
