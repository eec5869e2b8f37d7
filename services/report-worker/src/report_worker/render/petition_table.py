"""信访举报件办理情况一览表: one batch's cases in the published columns, as a workbook, a Markdown
table, a landscape Word table and a landscape PDF (HTML → WeasyPrint).

The words are the `petition_table` template's (`rectify_shared.document_templates`): its title,
its lines (the first under the title is centred) and its table, whose columns take their widths
by header (the default's; others share what is left). A Word template gives the .docx itself.
"""

import io
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import xlsxwriter
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from rectify_shared.document_templates import Piece
from rectify_shared.titles import document_title

from ..pdf import html_to_pdf
from ..petition_data import PetitionTable
from ..templating import draw
from . import docx_common
from . import word_layout as word
from .html_common import document, escape
from .ledger_document import LANDSCAPE_CSS, _landscape
from .md_pdf import md_line, md_text
from .wording import chinese_date, inspection_title
from .xlsx_text import merge_text, write_texts

#: (header, width in mm across an A4 landscape page, width in workbook characters)
COLUMNS = [
    ("序号", 10, 6),
    ("受理编号", 34, 20),
    ("交办问题基本情况", 47, 40),
    ("行政区域", 18, 12),
    ("污染类型", 14, 10),
    ("调查核实情况", 45, 40),
    ("是否属实", 13, 10),
    ("处理和整改情况", 45, 40),
    ("责任追究情况", 41, 30),
]
HEADERS = [h for h, _, _ in COLUMNS]
EMPTY = "本批次在统计范围内无信访举报件。"


def table_title(t: PetitionTable) -> str:
    return document_title("petition_table", t.header.round_name, org=t.header.org_name, batch=t.batch_no)


def intro(t: PetitionTable) -> str:
    return f"{t.header.inspection_team}{chinese_date(t.transferred_at)}交办；数据截至{chinese_date(t.as_of)}。"


def table_file_name(t: PetitionTable, extension: str) -> str:
    safe = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in table_title(t)).strip() or "报告"
    return f"{safe}（截至{t.as_of.isoformat()}）.{extension}"


def cells(t: PetitionTable) -> list[list[str]]:
    return [
        [str(n), r.intake_no, r.content, r.locality, r.pollution, r.findings, r.verdict, r.handling, r.accountability]
        for n, r in enumerate(t.rows, start=1)
    ]


_KEYS = ("n", "intake_no", "content", "locality", "pollution", "findings", "verdict", "handling", "accountability")


def table_context(t: PetitionTable) -> dict[str, Any]:
    """The variables of the 一览表's template (`rectify_shared.document_templates.schema`)."""
    h = t.header
    return {
        "title": table_title(t),
        "round_name": h.round_name,
        "inspection": inspection_title(h.round_name),
        "org_name": h.org_name,
        "office": h.office,
        "team": h.inspection_team,
        "area": h.area,
        "as_of": t.as_of,
        "batch_no": t.batch_no,
        "transferred_on": t.transferred_at,
        "intro": intro(t),
        "count": len(t.rows),
        "rows": [dict(zip(_KEYS, [n, *row[1:]], strict=True)) for n, row in enumerate(cells(t), start=1)],
    }


@dataclass(frozen=True)
class Drawn:
    """The template's title, the lines around the table, and the table (headers, widths, rows)."""

    title: str
    before: list[Piece]
    headers: list[str]
    widths: list[tuple[float, float]]  # (mm on the page, workbook characters)
    rows: list[list[str]]
    after: list[Piece]
    docx: bytes | None


_WIDTHS = {h: (mm, chars) for h, mm, chars in COLUMNS}


def drawn(t: PetitionTable) -> Drawn:
    made = draw("petition_table", t.template, table_context(t))
    pieces = made.pieces
    title = next((p.text for p in pieces if p.kind == "title"), table_title(t))
    table = next((p for p in pieces if p.kind == "table"), None)
    at = pieces.index(table) if table is not None else len(pieces)
    before = [p for p in pieces[:at] if p.kind != "title"]
    after = [p for p in pieces[at + 1 :] if p.kind != "title"]
    headers = list(table.headers) if table is not None else []
    known = [_WIDTHS.get(h) for h in headers]
    free = 267 - sum(w[0] for w in known if w is not None)
    unknown = known.count(None)
    share = (max(free / unknown, 12), 20.0) if unknown else (0, 0)
    widths = [w if w is not None else share for w in known]
    scale = 267 / sum(w[0] for w in widths) if widths else 1
    widths = [(mm * scale, chars) for mm, chars in widths]
    rows = [list(r) for r in table.rows] if table is not None else []
    if rows and all(r[0] and not any(r[1:]) for r in rows):  # only lines across the table: no case
        after = [Piece("para", r[0]) for r in rows] + after
        rows = []
    return Drawn(title, before, headers, widths, rows, after, made.docx)


def render_table_md(t: PetitionTable) -> bytes:
    d = drawn(t)
    blocks = [f"# {md_text(d.title)}", *(md_line(p.text) for p in d.before if p.text)]
    if d.rows:
        lines = ["| " + " | ".join(md_text(h) for h in d.headers) + " |", "|" + "---|" * len(d.headers)]
        lines += ["| " + " | ".join(md_text(c).replace("\n", " ") for c in row) + " |" for row in d.rows]
        blocks.append("\n".join(lines))
    blocks += [md_line(p.text) for p in d.after if p.text]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _html_lines(pieces: list[Piece]) -> str:
    return "".join(f'<p class="{"mark" if p.kind == "mark" else ""}">{escape(p.text)}</p>' for p in pieces if p.text)


def render_table_html(t: PetitionTable) -> str:
    d = drawn(t)
    cols = "".join(f'<col style="width:{mm:.1f}mm">' for mm, _ in d.widths)
    head = "".join(f"<th>{escape(h)}</th>" for h in d.headers)
    body = ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in d.rows]
    after = _html_lines(d.after)
    if not body and d.after:  # the line the template prints for no case, inside the table
        body.append(f'<tr><td colspan="{len(d.headers)}">{escape(d.after[0].text)}</td></tr>')
        after = _html_lines(d.after[1:])
    table = (
        f'<table class="ledger"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        if d.headers
        else ""
    )
    before = _html_lines(d.before)
    return document(d.title, f"<h1>{escape(d.title)}</h1>{before}{table}{after}", LANDSCAPE_CSS)


def render_table_pdf(t: PetitionTable) -> bytes:
    return html_to_pdf(render_table_html(t))


def render_table_docx(t: PetitionTable) -> bytes:
    d = drawn(t)
    if d.docx is not None:
        return d.docx  # the office's Word template, filled in
    doc, styles = docx_common.new_document(title=d.title, author=t.header.office, as_of=t.as_of)
    _landscape(doc.sections[0])
    docx_common.add_paragraph(doc, d.title, styles.title).runs[0].font.size = Pt(18)
    for index, p in enumerate(d.before):
        if index == 0 or p.kind == "mark":
            word.centred(doc, p.text, styles)
        else:
            docx_common.add_paragraph(doc, p.text, styles.body)
    after = list(d.after)
    if d.headers:
        rows = d.rows
        if not rows and after:  # the line the template prints for no case, inside the table
            rows = [[after.pop(0).text] + [""] * (len(d.headers) - 1)]
        _docx_grid(doc, styles, d, rows)
    for p in after:
        if p.kind == "mark":
            word.centred(doc, p.text, styles)
        else:
            docx_common.add_paragraph(doc, p.text, styles.body)
    return docx_common.document_bytes(doc)


def _docx_grid(doc: Any, styles: docx_common.Styles, d: Drawn, rows: list[list[str]]) -> None:
    grid = doc.add_table(rows=1, cols=len(d.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    for values, font in [(d.headers, docx_common.FONT_HEADING_1)] + [(r, docx_common.FONT_BODY) for r in rows]:
        row_cells = grid.rows[0].cells if values is d.headers else grid.add_row().cells  # never table.cell(i, j)
        for cell, text, (width, _) in zip(row_cells, values, d.widths, strict=True):
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            docx_common.set_style(paragraph, styles.body)
            word.unindented(paragraph)
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            run = paragraph.add_run(text)
            run.font.size = Pt(9)
            docx_common.set_run_fonts(run, font)


def render_table_xlsx(t: PetitionTable) -> bytes:
    d = drawn(t)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": d.title, "created": datetime.combine(t.as_of, time())})
    title = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws = book.add_worksheet(f"第{t.batch_no}批")
    for index, (_, width) in enumerate(d.widths):
        ws.set_column(index, index, width)
    last = max(len(d.headers), 1) - 1
    lines = [p.text for p in d.before if p.text]
    merge_text(ws, 0, 0, 0, last, d.title, title)
    merge_text(ws, 1, 0, 1, last, lines[0] if lines else "")
    write_texts(ws, 2, 0, d.headers, head)
    for r, row in enumerate(d.rows, start=3):
        if row and row[0].isdigit():
            ws.write_number(r, 0, int(row[0]), cell)
            write_texts(ws, r, 1, row[1:], cell)
        else:
            write_texts(ws, r, 0, row, cell)
    if not d.rows:
        merge_text(ws, 3, 0, 3, last, next((p.text for p in d.after if p.text), EMPTY), cell)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + max(len(d.rows), 1), last)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    book.close()
    return buffer.getvalue()
