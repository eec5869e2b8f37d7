"""The ledger as a landscape table for reading and printing: Word (.docx) and PDF (HTML → WeasyPrint).

The same rows as the workbook, narrowed to what fits across an A4 landscape page: a full-width
row for each 方面 heading, then one row per measure with the problem's cells merged over its
measures (rowspan / vertical merge), overdue rows light red and rows within the warning window
light yellow, days overdue in working days. The header row repeats on every page.

The title, the columns and the cells' words are the `ledger` template's (`sheet`): the shipped
default prints exactly the columns below; an office's may rename, drop or reorder them.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from rectify_shared.document_templates import Piece
from rectify_shared.document_templates.filters import number as numbered
from rectify_shared.enums import MEASURE_STATUS_TEXT

from ..pdf import html_to_pdf
from ..snapshot import LedgerSnapshot
from ..templating import draw
from . import docx_common
from . import word_layout as word
from .html_common import HEADING_FONTS, document, escape
from .ledger_marks import DeadlineMarks
from .ledger_xlsx import FILLS, sheet_title
from .wording import measure_label

#: (header, width in mm on a 267 mm wide text block)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 10),
    ("反馈问题", 52),
    ("整改状态", 18),
    ("责任单位", 26),
    ("完成时限", 20),
    ("整改措施", 56),
    ("措施时限", 20),
    ("状态", 14),
    ("逾期工作日", 15),
    ("最新进展", 36),
)
ISSUE_CELLS = 5


@dataclass(frozen=True)
class Row:
    cells: list[str]
    fill: str | None
    #: the problem's cells (the first ISSUE_CELLS) span this many rows; 0 on the rows they cover
    span: int
    issue_fill: str | None


@dataclass(frozen=True)
class Heading:
    text: str


def rows(snapshot: LedgerSnapshot) -> Iterator[Heading | Row]:
    marks = DeadlineMarks(snapshot)
    for number, category in enumerate(snapshot.categories, start=1):
        yield Heading(f"{numbered(number, snapshot.settings.aspect_numbering)}{category.name}")
        for issue in category.issues:
            issue_mark = marks.issue(issue)
            orgs = "、".join(dict.fromkeys([o for o in [issue.lead_org, *issue.responsible_orgs] if o]))
            issue_cells = [issue.number, issue.description, issue.status_text, orgs, _day(issue.deadline)]
            measure_rows = [
                (
                    [
                        (measure_label(m.seq) if m.seq is not None else "") + m.text,
                        _day(m.deadline),
                        MEASURE_STATUS_TEXT[m.status],
                        _days(mark.overdue_workdays),
                        m.latest_progress or "",
                    ],
                    mark.fill,
                )
                for m, mark in ((m, marks.measure(m, issue)) for m in issue.measures)
            ] or [(["", "", "", _days(issue_mark.overdue_workdays), issue.latest_progress or ""], issue_mark.fill)]
            for offset, (cells, fill) in enumerate(measure_rows):
                span = len(measure_rows) if offset == 0 else 0
                yield Row(issue_cells + cells, fill, span, issue_mark.fill)


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _days(value: int | None) -> str:
    return str(value) if value is not None else ""


# ---------------------------------------------------------------- from the template

TEXT_WIDTH = 267  # mm across the landscape page
_WIDTHS = dict(COLUMNS)


@dataclass(frozen=True)
class Sheet:
    """What the `ledger` template made of the snapshot: the title, the lines before and after
    the table, its columns (widths by header: the default's, the rest sharing what is left) and
    its rows (a full-width heading, or a row whose first `merge` cells span its task's rows)."""

    title: str
    before: list[Piece]
    headers: list[str]
    widths: list[float]
    items: list[Heading | Row]
    after: list[Piece]
    merge: int


def _widths(headers: list[str]) -> list[float]:
    known = [_WIDTHS.get(h) for h in headers]
    unknown = known.count(None)
    free = TEXT_WIDTH - sum(w for w in known if w is not None)
    share = max(free / unknown, 12) if unknown else 0
    widths = [float(w) if w is not None else share for w in known]
    scale = TEXT_WIDTH / sum(widths) if widths and sum(widths) else 1
    return [w * scale for w in widths]


def sheet(snapshot: LedgerSnapshot) -> Sheet:
    from .ledger_templates import LEDGER, ledger_context

    context = ledger_context(snapshot)
    pieces = draw(LEDGER, snapshot.templates.get(LEDGER), context).pieces
    title = next((p.text for p in pieces if p.kind == "title"), sheet_title(snapshot))
    merge = next((p.text for p in pieces if p.kind == "merge"), "0")
    table = next((p for p in pieces if p.kind == "table"), None)
    at = pieces.index(table) if table is not None else len(pieces)
    before = [p for p in pieces[:at] if p.kind not in ("title", "merge")]
    after = [p for p in pieces[at + 1 :] if p.kind not in ("title", "merge")]
    if table is None:
        return Sheet(title, before, [], [], [], after, 0)
    headers = list(table.headers)
    span = min(int(merge) if merge.isdigit() else 0, len(headers))
    meta: list[dict[str, Any]] | None = context["rows"] if len(context["rows"]) == len(table.rows) else None
    items: list[Heading | Row] = []
    for index, cells in enumerate(table.rows):
        m = meta[index] if meta is not None else None
        if (m is not None and m["heading"]) or (m is None and cells[0] and not any(cells[1:])):
            items.append(Heading(cells[0]))
            continue
        rows_of_task = 1
        if m is not None and span and m["first"]:
            following = meta[index + 1 :] if meta is not None else []
            rows_of_task += next((n for n, r in enumerate(following) if r["heading"] or r["first"]), len(following))
        covered = m is not None and span and not m["first"]
        fill, issue_fill = (m["fill"] or None, m["issue_fill"] or None) if m is not None else (None, None)
        items.append(Row(list(cells), fill, 0 if covered else rows_of_task, issue_fill))
    return Sheet(title, before, headers, _widths(headers), items, after, span)


# ---------------------------------------------------------------- PDF

LANDSCAPE_CSS = f"""
@page {{ size: A4 landscape; margin: 18mm 15mm 20mm 15mm; @bottom-center {{ padding-top: 4mm; }} }}
h1 {{ font-size: 18pt; line-height: 26pt; margin: 0 0 10pt 0; }}
table.ledger {{ table-layout: fixed; font-size: 9pt; line-height: 13pt; margin: 0; }}
table.ledger th, table.ledger td {{ padding: 2pt 3pt; word-break: break-all; }}
table.ledger td.heading {{ font-family: {HEADING_FONTS}; background: #D9E1F2; }}
table.ledger td.overdue {{ background: {FILLS["overdue"]}; }}
table.ledger td.warning {{ background: {FILLS["warning"]}; }}
"""


def _html_lines(pieces: list[Piece]) -> str:
    return "".join(f'<p class="{"mark" if p.kind == "mark" else ""}">{escape(p.text)}</p>' for p in pieces if p.text)


def render_ledger_html(snapshot: LedgerSnapshot) -> str:
    s = sheet(snapshot)
    cols = "".join(f'<col style="width:{width:.1f}mm">' for width in s.widths)
    head = "".join(f"<th>{escape(h)}</th>" for h in s.headers)
    body: list[str] = []
    for item in s.items:
        if isinstance(item, Heading):
            body.append(f'<tr><td class="heading" colspan="{len(s.headers)}">{escape(item.text)}</td></tr>')
            continue
        cells = []
        for index, text in enumerate(item.cells):
            if index < s.merge and item.span == 0:
                continue
            fill = item.issue_fill if index < s.merge else item.fill
            attrs = f' rowspan="{item.span}"' if index < s.merge and item.span > 1 else ""
            attrs += f' class="{fill}"' if fill else ""
            cells.append(f"<td{attrs}>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = (
        f'<table class="ledger"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        if s.headers
        else ""
    )
    html = f"<h1>{escape(s.title)}</h1>{_html_lines(s.before)}{table}{_html_lines(s.after)}"
    return document(s.title, html, LANDSCAPE_CSS)


def render_ledger_pdf(snapshot: LedgerSnapshot) -> bytes:
    return html_to_pdf(render_ledger_html(snapshot))


# ---------------------------------------------------------------- Word

_DOCX_SIZE = Pt(9)


def render_ledger_docx(snapshot: LedgerSnapshot) -> bytes:
    s = sheet(snapshot)
    doc, styles = docx_common.new_document(title=s.title, author=snapshot.org_name, as_of=snapshot.as_of)
    _landscape(doc.sections[0])
    heading = docx_common.add_paragraph(doc, s.title, styles.title)
    heading.runs[0].font.size = Pt(18)
    _docx_lines(doc, styles, s.before)
    if s.headers:
        _docx_grid(doc, styles, s)
    _docx_lines(doc, styles, s.after)
    return docx_common.document_bytes(doc)


def _docx_lines(doc: Any, styles: docx_common.Styles, pieces: list[Piece]) -> None:
    for p in pieces:
        if p.kind == "mark":
            word.centred(doc, p.text, styles)
        elif p.text:
            docx_common.add_paragraph(doc, p.text, styles.body)


def _docx_grid(doc: Any, styles: docx_common.Styles, s: Sheet) -> None:
    grid = doc.add_table(rows=1, cols=len(s.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for cell, header, width in zip(grid.rows[0].cells, s.headers, s.widths, strict=True):
        cell.width = Mm(width)
        _text(cell, header, styles, docx_common.FONT_HEADING_1)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)

    merges: list[tuple[Any, int]] = []  # (the task's first row, how many rows its cells span)
    for item in s.items:
        cells = grid.add_row().cells  # filled through row.cells: table.cell(i, j) is quadratic
        if isinstance(item, Heading):
            merged = cells[0].merge(cells[-1])
            _text(merged, item.text, styles, docx_common.FONT_HEADING_1)
            _shade(merged, "#D9E1F2")
            continue
        for index, (cell, text) in enumerate(zip(cells, item.cells, strict=True)):
            cell.width = Mm(s.widths[index])
            if index < s.merge and item.span == 0:
                continue
            _text(cell, text, styles, docx_common.FONT_BODY)
            fill = item.issue_fill if index < s.merge else item.fill
            if fill:
                _shade(cell, FILLS[fill])
        if item.span > 1:
            merges.append((len(grid.rows) - 1, item.span))
    table_rows = grid.rows
    for first, span in merges:
        top, bottom = table_rows[first].cells, table_rows[first + span - 1].cells
        for index in range(s.merge):
            top[index].merge(bottom[index])


def _landscape(section: Any) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = docx_common.PAGE_HEIGHT, docx_common.PAGE_WIDTH
    section.top_margin = section.bottom_margin = Mm(18)
    section.left_margin = section.right_margin = Mm(15)
    section.footer_distance = Mm(8)


def _text(cell: Any, text: str, styles: docx_common.Styles, font: str) -> None:
    paragraph = cell.paragraphs[0]
    docx_common.set_style(paragraph, styles.body)
    word.unindented(paragraph)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    run = paragraph.add_run(text)
    run.font.size = _DOCX_SIZE
    docx_common.set_run_fonts(run, font)


def _shade(cell: Any, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)
