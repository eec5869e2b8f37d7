"""The blocks of a filled-in Word template, read back from its paragraphs' styles and layout, so
that the md and pdf of a kind say what its edited .docx says.

Style names are those of the report-worker's 公文 page (`docx_common`): 公文标题 → title (a later
one → subtitle), 公文一级标题 → heading, 公文二级标题 → subheading, 公文附件标识 → label; a red
30 pt line → masthead; an empty paragraph with a bottom border → rule; a centred line → mark;
right-aligned lines → signature then date; a line starting 抄送 after the date → copy; a table →
table (its first row is the header); anything else → a paragraph. Word's own heading styles
(Title, Heading 1/2) are understood too. A paragraph written `::name text` whose name is one of
the kind's blocks (`kinds`) is that block: how a Word template places the report's narrative
(`::sections`), its attachment (`::attachment 1.`), a chart (`::chart 1`) or a signature.
"""

import io
import re

from .markup import Piece

_STYLE_KINDS = {
    "公文标题": "title",
    "Title": "title",
    "公文一级标题": "heading",
    "Heading 1": "heading",
    "公文二级标题": "subheading",
    "Heading 2": "subheading",
    "公文附件标识": "label",
}
_KIND = re.compile(r"^::([a-z_]+)[ \t]*(.*)$", re.S)


def docx_blocks(content: bytes, kinds: frozenset[str] | None = None) -> list[Piece]:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(io.BytesIO(content))
    pieces: list[Piece] = []
    seen_title = False
    right_aligned = 0
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            rows = [tuple(cell.text for cell in row.cells) for row in Table(child, doc).rows]
            if rows:
                pieces.append(Piece("table", headers=rows[0], rows=tuple(rows[1:])))
            continue
        if child.tag != qn("w:p"):
            continue
        paragraph = Paragraph(child, doc)
        text = paragraph.text
        style = paragraph.style.name if paragraph.style is not None else ""
        if not text.strip():
            if child.find(f"{qn('w:pPr')}/{qn('w:pBdr')}") is not None:
                pieces.append(Piece("rule"))
            continue
        named = _KIND.match(text.strip())
        if named is not None and kinds is not None and named.group(1) in kinds:
            pieces.append(Piece(named.group(1), named.group(2).strip()))
            continue
        kind = _STYLE_KINDS.get(style, "para")
        if kind == "title":
            kind, seen_title = ("subtitle" if seen_title else "title"), True
        elif kind == "para":
            big = any(r.font.size is not None and r.font.size.pt >= 26 for r in paragraph.runs)
            if big and not seen_title:
                kind = "masthead"
            elif paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER:
                kind = "mark"
            elif paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT:
                kind = "signature" if right_aligned % 2 == 0 else "date"
                right_aligned += 1
            elif pieces and pieces[-1].kind in ("date", "copy") and text.lstrip().startswith("抄送"):
                kind = "copy"
        pieces.append(Piece(kind, text))
    return pieces
