"""信访举报件办理情况一览表: one batch's cases in the published columns, as a workbook, a Markdown
table, a landscape Word table and a landscape PDF (HTML → WeasyPrint)."""

import io
from datetime import datetime, time

import xlsxwriter
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from rectify_shared.titles import document_title

from ..pdf import html_to_pdf
from ..petition_data import PetitionTable
from . import docx_common
from . import word_layout as word
from .html_common import document, escape
from .ledger_document import LANDSCAPE_CSS, _landscape
from .md_pdf import md_line, md_text
from .wording import chinese_date
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


def render_table_md(t: PetitionTable) -> bytes:
    blocks = [f"# {md_text(table_title(t))}", md_line(intro(t))]
    if t.rows:
        lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(md_text(c).replace("\n", " ") for c in row) + " |" for row in cells(t)]
        blocks.append("\n".join(lines))
    else:
        blocks.append(md_line(EMPTY))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def render_table_html(t: PetitionTable) -> str:
    title = table_title(t)
    cols = "".join(f'<col style="width:{width}mm">' for _, width, _ in COLUMNS)
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    body = ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in cells(t)]
    if not body:
        body.append(f'<tr><td colspan="{len(COLUMNS)}">{escape(EMPTY)}</td></tr>')
    table = (
        f'<table class="ledger"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    return document(title, f"<h1>{escape(title)}</h1><p>{escape(intro(t))}</p>{table}", LANDSCAPE_CSS)


def render_table_pdf(t: PetitionTable) -> bytes:
    return html_to_pdf(render_table_html(t))


def render_table_docx(t: PetitionTable) -> bytes:
    title = table_title(t)
    doc, styles = docx_common.new_document(title=title, author=t.header.office, as_of=t.as_of)
    _landscape(doc.sections[0])
    docx_common.add_paragraph(doc, title, styles.title).runs[0].font.size = Pt(18)
    word.centred(doc, intro(t), styles)
    grid = doc.add_table(rows=1, cols=len(COLUMNS))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    rows = cells(t) or [[EMPTY] + [""] * (len(COLUMNS) - 1)]
    for values, font in [(HEADERS, docx_common.FONT_HEADING_1)] + [(r, docx_common.FONT_BODY) for r in rows]:
        row_cells = grid.rows[0].cells if values is HEADERS else grid.add_row().cells  # never table.cell(i, j)
        for cell, text, (_, width, _) in zip(row_cells, values, COLUMNS, strict=True):
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            paragraph.style = styles.body
            word.unindented(paragraph)
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            run = paragraph.add_run(text)
            run.font.size = Pt(9)
            docx_common.set_run_fonts(run, font)
    return docx_common.document_bytes(doc)


def render_table_xlsx(t: PetitionTable) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": table_title(t), "created": datetime.combine(t.as_of, time())})
    title = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws = book.add_worksheet(f"第{t.batch_no}批")
    for index, (_, _, width) in enumerate(COLUMNS):
        ws.set_column(index, index, width)
    last = len(COLUMNS) - 1
    merge_text(ws, 0, 0, 0, last, table_title(t), title)
    merge_text(ws, 1, 0, 1, last, intro(t))
    write_texts(ws, 2, 0, HEADERS, head)
    for r, row in enumerate(cells(t), start=3):
        ws.write_number(r, 0, int(row[0]), cell)
        write_texts(ws, r, 1, row[1:], cell)
    if not t.rows:
        merge_text(ws, 3, 0, 3, last, EMPTY, cell)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + max(len(t.rows), 1), last)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    book.close()
    return buffer.getvalue()
