"""The pieces of a Word 公文 that `docx_common` (the page, the styles, page numbers) leaves to
each document: the red masthead and rule, centred and unindented lines, the right-aligned
signature, and bordered tables whose header row repeats on every page.

Every run that leaves the styles' fonts gets its East-Asian font set too (`w:eastAsia`).
"""

from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from .docx_common import FONT_BODY, FONT_HEADING_1, FONT_TITLE, Styles, add_paragraph, set_run_fonts, set_style

RED = RGBColor(0xCC, 0x00, 0x00)
MASTHEAD_SIZE = Pt(30)
TABLE_SIZE = Pt(12)  # 小四


def unindented(paragraph: Any, align: WD_ALIGN_PARAGRAPH | None = None) -> Any:
    """No first-line indent (the body style indents two characters, in chars and in twips)."""
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "0")
    if align is not None:
        paragraph.alignment = align
    return paragraph


def masthead(doc: Any, text: str, styles: Styles) -> Any:
    """The issuing office in large red 小标宋, centred (the 发文机关标志)."""
    paragraph = doc.add_paragraph()
    set_style(paragraph, styles.body)
    unindented(paragraph, WD_ALIGN_PARAGRAPH.CENTER)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # 30 pt overflows the exact pitch
    run = paragraph.add_run(text)
    run.font.size, run.font.color.rgb = MASTHEAD_SIZE, RED
    set_run_fonts(run, FONT_TITLE)
    return paragraph


def centred(doc: Any, text: str, styles: Styles) -> Any:
    return unindented(add_paragraph(doc, text, styles.body), WD_ALIGN_PARAGRAPH.CENTER)


def red_rule(doc: Any, styles: Styles) -> Any:
    """The red line under the 文号: a bottom border on an empty paragraph."""
    paragraph = doc.add_paragraph()
    set_style(paragraph, styles.body)
    unindented(paragraph)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "16"), ("w:space", "1"), ("w:color", "CC0000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    return paragraph


def signature(doc: Any, office: str, date_text: str, styles: Styles) -> None:
    """The office and the date, right-aligned four characters in, after a blank line."""
    for index, text in enumerate((office, date_text)):
        paragraph = unindented(add_paragraph(doc, text, styles.body), WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(64)
        paragraph.paragraph_format.keep_with_next = index == 0
        if index == 0:
            paragraph.paragraph_format.space_before = Pt(56)


def table(doc: Any, headers: list[str], rows: list[list[str]], styles: Styles) -> Any:
    """A bordered table, filled row by row (`table.cell(i, j)` in a loop is quadratic)."""
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(grid.rows[0].cells, headers, strict=True):
        _cell_text(cell.paragraphs[0], header, FONT_HEADING_1, styles, WD_ALIGN_PARAGRAPH.CENTER)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    for values in rows:
        for cell, value in zip(grid.add_row().cells, values, strict=True):
            _cell_text(cell.paragraphs[0], value, FONT_BODY, styles, WD_ALIGN_PARAGRAPH.LEFT)
    return grid


def _cell_text(paragraph: Any, text: str, font: str, styles: Styles, align: WD_ALIGN_PARAGRAPH) -> None:
    set_style(paragraph, styles.body)
    unindented(paragraph, align)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    run = paragraph.add_run(text)
    run.font.size = TABLE_SIZE
    set_run_fonts(run, font)
