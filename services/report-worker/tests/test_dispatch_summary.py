"""dispatch_summary: who owed a dispatch report, who reported (on time, late), who did not, and
the escalations issued for it — rendered from a hand-built snapshot in Markdown, xlsx, Word and PDF."""

import io
import os
from datetime import UTC, date, datetime

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from rectify_shared.enums import ReportFormat
from rectify_shared.escalation_policy import Level
from report_worker.kinds import get
from report_worker.pdf import PageCapExceeded, cjk_font_available
from report_worker.render.dispatch_summary import DispatchSummary, EscalationLine, UnitReport

requires_cjk_font = pytest.mark.skipif(
    not cjk_font_available() and os.environ.get("CI") != "true",
    reason="no CJK font installed (run `make fonts` or apt-get install fonts-noto-cjk); with CI=true this fails",
)

TITLE = "第二轮中央生态环境保护督察整改工作2024年第50周调度情况"
CUTOFF = datetime(2024, 12, 13, 9, 0, tzinfo=UTC)  # 17:00 in China


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def summary(units: int = 0) -> DispatchSummary:
    extra = [UnitReport(f"第{n}家单位", None, "missing") for n in range(units)]
    return DispatchSummary(
        round_name="第二轮中央生态环境保护督察",
        office="锡林郭勒盟",
        period="2024-W50",
        cutoff=CUTOFF,
        as_of=date(2024, 12, 15),
        units=[
            UnitReport("盟自然资源局", at("2024-12-13T08:20"), "on_time"),
            UnitReport("盟住房和城乡建设局", at("2024-12-14T02:00"), "late"),
            UnitReport("东乌旗人民政府", None, "missing"),
            *extra,
        ],
        escalations=[
            EscalationLine(
                Level.warning,
                "锡整改办预〔2024〕12号",
                "东乌旗人民政府",
                "未按期报送调度情况",
                date(2024, 12, 14),
                "issued",
            )
        ],
    )


def render(snapshot: DispatchSummary, fmt: ReportFormat) -> bytes:
    return get("dispatch_summary").render(snapshot, fmt)


def test_markdown() -> None:
    text = render(summary(), ReportFormat.md).decode("utf-8")
    assert text.startswith(f"# {TITLE}\n\n锡林郭勒盟\n\n## 一、总体情况\n\n")
    assert "\n\n调度截止时间：2024年12月13日17:00；数据截至2024年12月15日。\n\n" in text
    assert "本期应报送单位3家，已报送2家（其中逾期报送1家），未报送1家。" in text
    assert "| 1 | 盟自然资源局 | 按时报送 | 2024-12-13 16:20 |" in text
    assert "| 2 | 盟住房和城乡建设局 | 逾期报送 | 2024-12-14 10:00 |" in text
    assert "| 3 | 东乌旗人民政府 | 未报送 |  |" in text
    assert "## 三、未报送单位\n\n东乌旗人民政府。" in text
    row = "| 1 | 预警 | 锡整改办预〔2024〕12号 | 东乌旗人民政府 | 未按期报送调度情况 | 2024年12月14日 | 已签发 |"
    assert row in text


def test_nothing_owed_and_nothing_issued() -> None:
    empty = DispatchSummary("第二轮中央生态环境保护督察", "锡林郭勒盟", "2024-12", CUTOFF, date(2024, 12, 15))
    text = render(empty, ReportFormat.md).decode("utf-8")
    assert "2024年12月调度情况" in text and "本期应报送单位0家，已报送0家（其中逾期报送0家），未报送0家。" in text
    assert "本期无应报送单位。" in text and "未报送单位\n\n无。" in text
    assert "本期调度未发出预警、通报、督办或约谈。" in text
    assert "|" not in text


def test_xlsx() -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(summary(), ReportFormat.xlsx)))
    assert book.sheetnames == ["报送情况", "未报送单位", "预警督办"]
    units = book["报送情况"]
    assert units["A1"].value == TITLE
    assert units["A2"].value == "本期应报送单位3家，已报送2家（其中逾期报送1家），未报送1家。"
    rows = [[cell.value for cell in row] for row in units.iter_rows(min_row=4, max_row=7)]
    assert rows == [
        ["序号", "单位", "报送情况", "报送时间"],
        [1, "盟自然资源局", "按时报送", "2024-12-13 16:20"],
        [2, "盟住房和城乡建设局", "逾期报送", "2024-12-14 10:00"],
        [3, "东乌旗人民政府", "未报送", None],
    ]
    assert units["C7"].fill.fgColor.rgb.endswith("FFC7CE")  # a missing report stands out
    assert [c.value for c in book["未报送单位"][3]] == [1, "东乌旗人民政府"]
    assert [c.value for c in book["预警督办"][3]][:4] == [1, "预警", "锡整改办预〔2024〕12号", "东乌旗人民政府"]


def test_docx() -> None:
    doc = Document(io.BytesIO(render(summary(), ReportFormat.docx)))
    assert doc.paragraphs[0].text == TITLE
    assert doc.styles["Normal"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    units, escalations = doc.tables
    assert [c.text for c in units.rows[1].cells] == ["1", "盟自然资源局", "按时报送", "2024-12-13 16:20"]
    assert len(units.rows) == 4 and len(escalations.rows) == 2
    assert "w:tblHeader" in units.rows[0]._tr.xml  # the header repeats on every page


@requires_cjk_font
def test_pdf() -> None:
    reader = PdfReader(io.BytesIO(render(summary(), ReportFormat.pdf)))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert TITLE in text and "盟住房和城乡建设局" in text and "逾期报送" in text and "— 1 —" in text


@requires_cjk_font
def test_a_pdf_over_the_page_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECTIFY_PDF_MAX_PAGES", "2")
    with pytest.raises(PageCapExceeded, match=r"PDF would have \d+ pages \(limit 2\); request xlsx or md instead"):
        render(summary(units=200), ReportFormat.pdf)
