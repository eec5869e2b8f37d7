"""issue_progress: the attachment as .docx — its text, the 公文 page, fonts and page numbers."""

import io
import re
from dataclasses import replace
from datetime import date

import docx
from docx.oxml.ns import qn
from docx.shared import Mm

from rectify_shared.enums import IssueStatus, ReportFormat
from report_worker import kinds
from report_worker.render.docx_common import FONT_BODY, FONT_HEADING_1, FONT_LATIN, FONT_TITLE
from report_worker.render.issue_progress_docx import (
    EMPTY_SCOPE,
    render_issue_progress_docx,
    render_issue_progress_md,
)
from report_worker.snapshot import CategorySnapshot, LedgerSnapshot

from .conftest import issue

TITLE = "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况"


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_the_docx_says_what_the_markdown_says_paragraph_for_paragraph(ledger: LedgerSnapshot) -> None:
    md = render_issue_progress_md(ledger).decode("utf-8")
    md_lines = [re.sub(r"^#+ ", "", b).replace("\\", "") for b in md.split("\n\n") if b.strip()]
    assert md_lines[-1].startswith("数据截至")
    assert paragraphs(render_issue_progress_docx(ledger)) == md_lines[:-1]


def test_layout_of_the_attachment(ledger: LedgerSnapshot) -> None:
    doc = docx.Document(io.BytesIO(render_issue_progress_docx(ledger)))
    rows = [(p.style.name, p.text) for p in doc.paragraphs]
    assert rows[:6] == [
        ("公文标题", TITLE),
        ("公文一级标题", "一、贯彻落实习近平生态文明思想还不到位方面"),
        ("Normal", "3.不仅矿山开采侵占草原林地问题突出，生态修复治理也进展滞后。"),
        ("Normal", "整改进展情况：正在推进"),
        ("Normal", "（一）盟自然资源局印发了《关于做好中央第二轮环保督察反馈143家露天矿山整改工作的通知》。"),
        ("Normal", "（二）盟能源局对照全盟露天煤矿《初步设计》共排查发现问题14项。"),
    ]
    # an unnumbered measure is a plain paragraph; an issue without measures ends at its status
    assert ("Normal", "我盟2宗探矿权已通过缩小矿区范围方式退出自然保护地。") in rows
    assert rows[-3:] == [
        ("公文一级标题", "二、其他需要关注的问题方面"),
        ("Normal", "9.城镇现有生活垃圾处理设施与垃圾分类需求不匹配。"),
        ("Normal", "整改进展情况：正在推进"),
    ]
    assert doc.core_properties.title == TITLE and "2024年12月15日" in doc.core_properties.subject


def test_multi_line_texts_become_paragraphs_numbered_once(ledger: LedgerSnapshot) -> None:
    two_lines = issue(12, "农膜回收利用率偏低。\n\n  据统计，……  ", IssueStatus.completed, None)
    snap = replace(ledger, categories=[CategorySnapshot("其他需要关注的问题方面", [two_lines])])
    assert paragraphs(render_issue_progress_docx(snap))[2:4] == ["12.农膜回收利用率偏低。", "据统计，……"]


def test_an_empty_scope_says_so() -> None:
    empty = LedgerSnapshot("第二轮中央生态环境保护督察", "中央第三生态环境保护督察组", "阿巴嘎旗", date(2024, 12, 15))
    assert paragraphs(render_issue_progress_docx(empty)) == [
        "阿巴嘎旗贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况",
        EMPTY_SCOPE,
    ]


def test_a4_page_with_official_margins_and_page_numbers(ledger: LedgerSnapshot) -> None:
    doc = docx.Document(io.BytesIO(render_issue_progress_docx(ledger)))
    section = doc.sections[0]
    twip = Mm(1) / 40  # one twip is ~0.018 mm: what the file's integer twips can be off by

    def near(value: int, mm: float) -> bool:
        return abs(value - Mm(mm)) <= twip

    assert near(section.page_width, 210) and near(section.page_height, 297)
    assert near(section.top_margin, 37) and near(section.bottom_margin, 35)
    assert near(section.left_margin, 28) and near(section.right_margin, 26)
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "<w:instrText" in xml and " PAGE " in xml and 'w:fldCharType="begin"' in xml
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")


def _fonts(element: object) -> dict[str, str]:
    rpr = element.find(qn("w:rPr"))  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    return {k.split("}")[1]: v for k, v in fonts.attrib.items()}


def test_east_asian_fonts_are_set_on_the_styles_and_defaults(ledger: LedgerSnapshot) -> None:
    doc = docx.Document(io.BytesIO(render_issue_progress_docx(ledger)))
    expected = {"Normal": FONT_BODY, "公文标题": FONT_TITLE, "公文一级标题": FONT_HEADING_1}
    for name, east_asia in expected.items():
        fonts = _fonts(doc.styles[name].element)
        assert fonts["eastAsia"] == east_asia and fonts["ascii"] == FONT_LATIN
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    fonts = _fonts(defaults)
    assert fonts["eastAsia"] == FONT_BODY and not any(k.endswith("Theme") or k == "cstheme" for k in fonts)
    # every body paragraph is in a style that carries its East-Asian font: no run overrides it
    assert {p.style.name for p in doc.paragraphs} <= set(expected)
    body = doc.styles["Normal"]
    assert body.font.size.pt == 16 and body.paragraph_format.first_line_indent.pt == 32


def test_the_same_snapshot_gives_the_same_bytes(ledger: LedgerSnapshot) -> None:
    assert render_issue_progress_docx(ledger) == render_issue_progress_docx(ledger)


def test_the_kind_is_registered_for_md_docx_and_pdf(ledger: LedgerSnapshot) -> None:
    kind = kinds.get("issue_progress")
    assert kind.formats == {ReportFormat.md, ReportFormat.docx, ReportFormat.pdf}
    assert kind.render(ledger, ReportFormat.md) == render_issue_progress_md(ledger)
    assert kind.file_name(ledger, ReportFormat.docx) == f"{TITLE}（截至2024-12-15）.docx"
    odd = replace(ledger, org_name="a/b")
    assert "/" not in kind.file_name(odd, ReportFormat.md)
