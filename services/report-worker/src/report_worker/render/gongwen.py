"""A 公文 laid out as blocks, drawn three ways (Markdown, HTML for the PDF, Word), so the three
formats of a document always say the same thing.

Blocks: masthead, doc_no, rule, title, mark, addressee, heading, para, signature, date, then
optionally an attachment: label (附件, on a new page), subtitle (its title) and bordered tables.
The escalation notice predates this module and draws its own blocks the same way.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ..pdf import html_to_pdf
from . import docx_common
from . import word_layout as word
from .html_common import HEADING_FONTS, TITLE_FONTS, document, escape
from .md_pdf import md_line, md_text
from .ofd import render_ofd as ofd_of_lines

BlockKind = Literal[
    "masthead",
    "doc_no",
    "rule",
    "title",
    "mark",
    "addressee",
    "heading",
    "para",
    "signature",
    "date",
    "label",
    "subtitle",
    "table",
]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""
    #: for a table: the header row and the body rows (a cell may hold several lines)
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


EXTRA_CSS = f"""
p.label {{ text-indent: 0; font-family: {HEADING_FONTS}; break-before: page; }}
p.subtitle {{ text-indent: 0; text-align: center; font-family: {TITLE_FONTS}; font-size: 18pt; margin: 14pt 0; }}
td.head {{ font-family: {HEADING_FONTS}; text-align: center; width: 22%; }}
"""


def render_md(blocks: list[Block]) -> bytes:
    lines: list[str] = []
    for b in blocks:
        if b.kind == "rule":
            lines.append("---")
        elif b.kind == "title":
            lines.append(f"# {md_text(b.text)}")
        elif b.kind in ("heading", "subtitle"):
            lines.append(f"## {md_text(b.text)}")
        elif b.kind in ("masthead", "label"):
            lines.append(f"**{md_text(b.text)}**")
        elif b.kind == "table":
            lines.append(_md_table(b))
        else:
            lines.append(md_line(b.text))
    return ("\n\n".join(lines) + "\n").encode("utf-8")


def _md_cell(text: str) -> str:
    return "<br>".join(md_text(line) for line in text.splitlines()) if text else " "


def _md_table(b: Block) -> str:
    out = ["| " + " | ".join(_md_cell(h) for h in b.headers) + " |", "|" + "---|" * len(b.headers)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
    return "\n".join(out)


def _html_cell(text: str, tag: str) -> str:
    return f"<{tag}>{'<br>'.join(escape(line) for line in text.splitlines())}</{tag}>"


def render_html(blocks: list[Block], title: str) -> str:
    return document(title, blocks_html(blocks), EXTRA_CSS)


def blocks_html(blocks: list[Block], *, lead_in: bool = False) -> str:
    """The blocks as HTML. The paragraph before the signature, the signature, the date and any 抄送
    lines after them stay on one page (`.closing`); with `lead_in`, the paragraph before that one
    keeps its last lines with them too, so page 2 never holds the closing alone (the letters)."""
    parts: list[str] = []
    signature = next((i for i, b in enumerate(blocks) if b.kind == "signature"), None)
    closing = signature - 1 if signature else None
    last = len(blocks) - 1  # the closing ends after the date and the 抄送 lines that follow it
    if signature is not None:
        last = next((i for i in range(signature, len(blocks)) if blocks[i].kind == "date"), last)
        while last + 1 < len(blocks) and blocks[last + 1].kind == "copy":
            last += 1
    for index, b in enumerate(blocks):
        if index == closing:
            parts.append('<div class="closing">')
        attrs = ' class="lead-in"' if lead_in and closing is not None and index == closing - 1 else ""
        if b.kind == "rule":
            parts.append('<hr class="red-rule">')
        elif b.kind == "title":
            parts.append(f"<h1>{escape(b.text)}</h1>")
        elif b.kind == "heading":
            parts.append(f"<h2{attrs}>{escape(b.text)}</h2>")
        elif b.kind == "para":
            parts.append(f"<p{attrs}>{escape(b.text)}</p>")
        elif b.kind == "table":
            head = "".join(_html_cell(h, "th") for h in b.headers)
            body = "".join("<tr>" + "".join(_html_cell(c, "td") for c in row) + "</tr>" for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        else:
            css = "cc" if b.kind == "copy" else b.kind.replace("_", "-")
            parts.append(f'<p class="{css}">{escape(b.text)}</p>')
        if index == last and closing is not None:
            parts.append("</div>")
    return "\n".join(parts)


def render_pdf(blocks: list[Block], title: str) -> bytes:
    return html_to_pdf(render_html(blocks, title))


def render_docx(blocks: list[Block], *, title: str, author: str, as_of: date) -> bytes:
    doc, styles = docx_common.new_document(title=title, author=author, as_of=as_of)
    index = 0
    while index < len(blocks):
        b = blocks[index]
        if b.kind == "masthead":
            word.masthead(doc, b.text, styles)
        elif b.kind in ("doc_no", "mark"):
            word.centred(doc, b.text, styles)
        elif b.kind == "rule":
            word.red_rule(doc, styles)
        elif b.kind in ("title", "subtitle"):
            docx_common.add_paragraph(doc, b.text, styles.title)
        elif b.kind == "heading":
            docx_common.add_paragraph(doc, b.text, styles.heading_1)
        elif b.kind == "addressee":
            word.unindented(docx_common.add_paragraph(doc, b.text, styles.body))
        elif b.kind == "label":
            docx_common.add_paragraph(doc, b.text, styles.label, new_page=True)
        elif b.kind == "table":
            word.table(doc, list(b.headers), [list(row) for row in b.rows], styles)
        elif b.kind == "signature" and index + 1 < len(blocks) and blocks[index + 1].kind == "date":
            word.signature(doc, b.text, blocks[index + 1].text, styles)
            index += 1
        else:
            docx_common.add_paragraph(doc, b.text, styles.body)
        index += 1
    return docx_common.document_bytes(doc)


def _ofd_lines(b: Block) -> list[tuple[str, str]]:
    """A table's rows as lines (the OFD draws no grids yet); any other block as itself."""
    if b.kind != "table":
        return [(b.kind, b.text)]
    return [("copy", "　".join(cell.replace("\n", " ") for cell in row)) for row in (b.headers, *b.rows)]


def render_ofd(blocks: list[Block], *, title: str, author: str, created: date) -> bytes:
    """OFD (experimental; see `ofd`): the blocks on the 公文 page. The paragraph before the
    signature, the signature, the date and any 抄送 (`copy`) lines after it keep together; an
    attachment's label starts a new page."""
    lines: list[tuple[str, str]] = []
    keep_from: int | None = None
    keep_until: int | None = None
    for b in blocks:
        extends = keep_until == len(lines) and b.kind in ("date", "copy")
        if b.kind == "signature" and keep_from is None and lines:
            keep_from, extends = len(lines) - 1, True
        lines += _ofd_lines(b)
        if extends:
            keep_until = len(lines)
    if keep_from is None or keep_until is None:
        return ofd_of_lines(lines, title=title, author=author, created=created, closing=0)
    return ofd_of_lines(
        lines, title=title, author=author, created=created, closing=keep_until - keep_from, keep_until=keep_until
    )


def safe_file_name(stem: str, extension: str) -> str:
    """Path separators and control characters never reach a file name."""
    safe = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in stem).strip() or "文件"
    return f"{safe}.{extension}"
