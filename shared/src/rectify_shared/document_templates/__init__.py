"""Document templates the office edits: the sandboxed Jinja engine, the wording filters, the block
markup, the data model of each kind, and the shipped defaults (`defaults/<kind>.j2`).

Shared because issues-api checks an upload with a preview render and the report-worker renders
with the effective template; it imports no service.
"""

from importlib import resources
from typing import Any

from .docx_blocks import docx_blocks
from .engine import render_docx, render_text
from .filters import NUMBERING_STYLES
from .markup import Piece, TemplateProblem
from .schema import BLOCK_KINDS, DOCX_KINDS, FILTER_DOCS, SCHEMAS, Variable, example_context, example_contexts

#: the kinds rendered from a template (the others are still fixed in code)
TEMPLATE_KINDS = tuple(SCHEMAS)
TEXT, DOCX = "text", "docx"


def default_template(kind: str) -> str:
    return resources.files(__package__).joinpath("defaults", f"{kind}.j2").read_text("utf-8")


def preview(kind: str, template_format: str, content: bytes) -> list[Piece]:
    """Render a template with the kind's example data (and its variants: a letter without a
    meeting, say); a broken template raises `TemplateProblem`. The first example's blocks are returned."""
    rendered = [_preview(kind, template_format, content, context) for context in example_contexts(kind)]
    return rendered[0]


def _preview(kind: str, template_format: str, content: bytes, context: dict[str, Any]) -> list[Piece]:
    if template_format == DOCX:
        pieces = docx_blocks(render_docx(content, context), BLOCK_KINDS[kind])
    else:
        try:
            source = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateProblem("a text template must be UTF-8 / 文本模板须为UTF-8编码") from exc
        pieces = render_text(source, context, BLOCK_KINDS[kind])
    if not pieces:
        raise TemplateProblem("the template renders nothing / 模板渲染结果为空")
    for p in pieces:
        if p.kind == "attachment" and p.text and p.text not in NUMBERING_STYLES:
            styles = " ".join(NUMBERING_STYLES)
            raise TemplateProblem(f"::attachment numbering {p.text!r} is none of {styles} / 未知的编号样式")
    return pieces


__all__ = [
    "BLOCK_KINDS",
    "DOCX",
    "DOCX_KINDS",
    "FILTER_DOCS",
    "SCHEMAS",
    "TEMPLATE_KINDS",
    "TEXT",
    "Piece",
    "TemplateProblem",
    "Variable",
    "default_template",
    "docx_blocks",
    "example_context",
    "example_contexts",
    "preview",
    "render_docx",
    "render_text",
]
