"""A Word (.docx) starter for a kind whose shipped template is text: the same lines, laid out as
`docx_blocks` reads them back, with the Jinja left in for docxtpl — so an office that wants to
edit in Word starts from the default wording (`GET /document-templates/{kind}?format=docx`).

    # 标题            → style Title            ## / ###  → Heading 1 / Heading 2
    ::signature/date  → right-aligned          ::mark    → centred      ::label → 公文附件标识
    ::masthead        → red 30 pt, centred     ::rule    → an empty paragraph with a bottom border
    {% if … %} alone  → a {%p if … %} paragraph (docxtpl's paragraph tag)
    | a | b | rows    → a table; a {% for %} line among them → a {%tr for %} row
    ::sections, ::attachment 1., ::chart …, ::dateline …, ::merge 5
                      → the same line as a paragraph (`docx_blocks` reads it back as that block)
"""

import io
import re

_CONTROL = re.compile(r"^\s*\{%-?\s*(.*?)\s*-?%\}\s*$")
_COMMENT = re.compile(r"^\s*\{#.*#\}\s*$")
_KIND = re.compile(r"^::([a-z_]+)[ \t]*(.*)$")
#: blocks that place something the template does not print itself: kept as `::name` lines
PLACEHOLDERS = frozenset({"sections", "attachment", "chart", "dateline", "merge"})


_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")


def _cells(line: str) -> list[str]:
    """The cells of a `| a | {{ x | f }} |` row: a bar inside a Jinja tag is a filter, not a border."""
    text = line.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") else text
    cells = [""]
    for part in _TAG.split(text):
        if _TAG.fullmatch(part):
            cells[-1] += part
            continue
        first, *rest = part.split("|")
        cells[-1] += first
        cells += rest
    return [c.strip() for c in cells]


def _in_table(tag: str, lines: list[str], index: int, opened: list[str]) -> bool:
    """Whether a control line after table rows is a row tag ({%tr %}): an opening `for`/`if` whose
    next line is a table row, or what closes (or continues) a block opened among the rows; else
    (an `{% else %}` of a block around the whole table, say) the table ends before it."""
    word = tag.split(None, 1)[0] if tag.split() else ""
    if word in ("for", "if"):
        following = next((s for s in lines[index + 1 :] if not _CONTROL.match(s)), "")
        if following.startswith("|"):
            opened.append(word)
            return True
        return False
    if word in ("endfor", "endif"):
        if opened:
            opened.pop()
            return True
        return False
    return word in ("else", "elif") and bool(opened)


def starter_docx(source: str) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    doc = Document()
    label = doc.styles.add_style("公文附件标识", 1)
    label.base_style = doc.styles["Normal"]
    table_rows: list[list[str] | str] = []

    def flush_table() -> None:
        if not table_rows:
            return
        header = next(r for r in table_rows if isinstance(r, list))
        grid = doc.add_table(rows=0, cols=len(header))
        grid.style = "Table Grid"
        for row in table_rows:
            cells = grid.add_row().cells
            if isinstance(row, str):  # a control line: docxtpl's row tag
                cells[0].text = "{%tr " + row + " %}"
            else:
                for cell, text in zip(cells, row, strict=False):
                    cell.text = text
        table_rows.clear()

    lines = [s for s in (line.strip() for line in source.splitlines()) if s and not _COMMENT.match(s)]
    opened: list[str] = []  # the control blocks opened among the table's rows
    for index, stripped in enumerate(lines):
        control = _CONTROL.match(stripped)
        if stripped.startswith("|") or (control and table_rows and _in_table(control.group(1), lines, index, opened)):
            if control:
                table_rows.append(control.group(1))
            elif not all(re.fullmatch(r":?-{3,}:?", c) for c in _cells(stripped)):
                table_rows.append(_cells(stripped))
            continue
        flush_table()
        opened.clear()
        if control:
            doc.add_paragraph("{%p " + control.group(1) + " %}")
        elif stripped.startswith("###"):
            doc.add_paragraph(stripped[3:].strip(), style="Heading 2")
        elif stripped.startswith("##"):
            doc.add_paragraph(stripped[2:].strip(), style="Heading 1")
        elif stripped.startswith("#"):
            doc.add_paragraph(stripped[1:].strip(), style="Title")
        elif (match := _KIND.match(stripped)) is not None:
            kind, text = match.groups()
            if kind in PLACEHOLDERS:
                doc.add_paragraph(stripped)
            elif kind == "subtitle":
                doc.add_paragraph(text, style="Title")
            elif kind == "label":
                doc.add_paragraph(text, style=label)
            elif kind == "rule":
                paragraph = doc.add_paragraph()
                borders, bottom = OxmlElement("w:pBdr"), OxmlElement("w:bottom")
                for key, value in (("w:val", "single"), ("w:sz", "16"), ("w:space", "1"), ("w:color", "CC0000")):
                    bottom.set(qn(key), value)
                borders.append(bottom)
                paragraph._p.get_or_add_pPr().append(borders)
            else:
                paragraph = doc.add_paragraph()
                run = paragraph.add_run(text)
                if kind == "masthead":
                    run.font.size, run.font.color.rgb = Pt(30), RGBColor(0xCC, 0x00, 0x00)
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif kind in ("signature", "date"):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif kind in ("mark", "doc_no"):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            doc.add_paragraph(stripped)
    flush_table()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
