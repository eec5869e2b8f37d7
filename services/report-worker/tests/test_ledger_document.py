"""The ledger as a landscape table in Word and PDF: merged problem cells, colours, days overdue."""

import io
import re

import docx
from docx.oxml.ns import qn
from pypdf import PdfReader

from report_worker.kinds import get
from report_worker.render.ledger_document import render_ledger_docx, render_ledger_html, render_ledger_pdf
from report_worker.snapshot import LedgerSnapshot

from .conftest import AS_OF
from .test_pdf_render import pdf_fonts_of, pdf_text, requires_cjk_font


def table_of(snapshot: LedgerSnapshot) -> list[list[str]]:
    document = docx.Document(io.BytesIO(render_ledger_docx(snapshot)))
    [table] = document.tables
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_every_format_of_the_ledger_is_registered() -> None:
    assert {f.value for f in get("ledger").formats} == {"md", "xlsx", "docx", "pdf"}


def test_word_table_is_landscape_with_headings_merged_problems_and_colours(ledger: LedgerSnapshot) -> None:
    document = docx.Document(io.BytesIO(render_ledger_docx(ledger)))
    section = document.sections[0]
    assert section.page_width > section.page_height
    [table] = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:3] == ["序号", "反馈问题", "整改状态"] and rows[0][-2:] == ["逾期工作日", "最新进展"]
    assert rows[1] == ["一、贯彻落实习近平生态文明思想还不到位方面"] * 10
    # problem 3: three measures, its five cells merged over them (the same text on each row)
    assert [r[0] for r in rows[2:5]] == ["3"] * 3
    assert [r[5][:3] for r in rows[2:5]] == ["（一）", "（二）", "（三）"]
    assert table.rows[2]._tr.xpath(".//w:vMerge[@w:val='restart']") != []
    # measure (一) is overdue (due 2024-06-30, still open on 2024-12-15): its days count and red fill
    assert rows[2][8] and int(rows[2][8]) > 100
    fills = [s.get(qn("w:fill")) for s in table.rows[2]._tr.iter(qn("w:shd"))]
    assert "FFC7CE" in fills
    assert rows[3][8] == ""  # completed
    # the header row repeats on every page
    assert table.rows[0]._tr.xpath(".//w:tblHeader") != []


def test_empty_scope_still_has_the_table() -> None:
    snap = LedgerSnapshot("第二轮中央生态环境保护督察", "督察组", "某旗", AS_OF)
    rows = table_of(snap)
    assert rows[0][0] == "序号" and "暂无反馈问题" in rows[1][0]


def test_html_spans_the_problem_over_its_measures(ledger: LedgerSnapshot) -> None:
    html = render_ledger_html(ledger)
    assert "size: A4 landscape" in html
    assert len(re.findall(r'rowspan="3"', html)) == 5  # problem 3's five cells
    assert html.count('class="overdue"') >= 5 + 5  # measure (一)'s cells and problem 9's whole row


@requires_cjk_font
def test_pdf_is_landscape_with_the_text_and_an_embedded_cjk_font(ledger: LedgerSnapshot) -> None:
    content = render_ledger_pdf(ledger)
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    text = "".join(pdf_text(content)).replace("\n", "")
    assert "整改台账" in text and "盟自然资源局印发了" in text and "逾期工作日" in text
    assert any(re.search(r"Noto|CJK|Fang|Song|Hei", f) and "not embedded" not in f for f in pdf_fonts_of(content))
