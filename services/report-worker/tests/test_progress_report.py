"""progress_report: the computed opening, the stored narrative verbatim, then 附件 and the attachment."""

import io
import re
from dataclasses import replace
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn

from rectify_shared.enums import IssueStatus, ReportFormat
from report_worker import kinds
from report_worker.narrative import NarrativeSection, ProgressReportSnapshot, parse_sections
from report_worker.render.docx_common import FONT_HEADING_2
from report_worker.render.issue_progress_docx import render_issue_progress_docx
from report_worker.render.progress_report import (
    Block,
    narrative_blocks,
    opening_paragraph,
    render_progress_report_docx,
    render_progress_report_md,
)
from report_worker.snapshot import CategorySnapshot, LedgerSnapshot

from .conftest import issue

TITLE = "锡林郭勒盟第二轮中央生态环境保护督察整改落实情况报告"
BACKGROUND = (
    "2022年3月25日至4月25日，中央第三生态环境保护督察组对内蒙古自治区开展了第二轮中央生态环境保护督察，"
    "并于2022年6月2日反馈了督察意见。"
)
SECTIONS = [
    NarrativeSection(
        "一、坚决扛起政治责任，切实提高抓整改的政治自觉、思想自觉、行动自觉",
        [
            "盟委、行署坚持把中央环保督察反馈意见转化为改进工作的思想自觉。",
            "（一）加强组织领导，确保中央环保督察反馈问题整改工作扎实开展",
            "盟中央（自治区）生态环境保护督察反馈意见整改落实工作领导小组负责整改落实工作的组织领导。",
        ],
    ),
    NarrativeSection(
        "二、大力解决生态环境突出问题", ["（一）持续提高生态系统质量和稳定性。按照自治区要求，*全面*加强。"]
    ),
    NarrativeSection("", ["下一步，锡林郭勒盟将深入贯彻习近平生态文明思想。"]),
]


def snapshot(ledger: LedgerSnapshot, sections: list[NarrativeSection] = SECTIONS, **kw: int) -> ProgressReportSnapshot:
    stay_start, stay_end, feedback = date(2022, 3, 25), date(2022, 4, 25), date(2022, 6, 2)
    return ProgressReportSnapshot(ledger, "内蒙古自治区", stay_start, stay_end, feedback, sections, **kw)


def test_the_opening_paragraph_is_computed_from_the_round_and_the_ledger(ledger: LedgerSnapshot) -> None:
    # the sample ledger: seqs 3 and 9 in progress, seq 4 completed
    assert opening_paragraph(snapshot(ledger, on_schedule=1, behind=1)) == (
        BACKGROUND + "截至2024年12月15日，3项整改任务已完成整改1项，正在推进2项（达到序时进度1项、滞后1项）。"
    )


def test_completed_counts_long_term_and_closed_tasks(ledger: LedgerSnapshot) -> None:
    statuses = [
        IssueStatus.completed,
        IssueStatus.completed_long_term,
        IssueStatus.completed_long_term,
        IssueStatus.closed,
        IssueStatus.in_progress,
        IssueStatus.not_started,
    ]
    issues = [issue(n, f"问题{n}。", s, None) for n, s in enumerate(statuses, start=1)]
    snap = snapshot(replace(ledger, categories=[CategorySnapshot("方面", issues)]), on_schedule=1)
    assert opening_paragraph(snap).endswith(
        "截至2024年12月15日，6项整改任务已完成整改4项（其中长期坚持2项、已销号1项），"
        "正在推进1项（达到序时进度1项），尚未启动1项。"
    )


def test_the_opening_omits_what_is_unknown(ledger: LedgerSnapshot) -> None:
    bare = ProgressReportSnapshot(replace(ledger, categories=[]), "内蒙古自治区", date(2022, 3, 25))
    assert opening_paragraph(bare) == (
        "2022年3月25日，中央第三生态环境保护督察组对内蒙古自治区开展了第二轮中央生态环境保护督察。"
        "截至2024年12月15日，本范围内暂无整改任务。"
    )
    across_years = replace(snapshot(ledger), stay_start=date(2023, 12, 20), stay_end=date(2024, 1, 20))
    assert opening_paragraph(across_years).startswith("2023年12月20日至2024年1月20日，")
    assert "信访" not in opening_paragraph(snapshot(ledger))  # petition batches are not modelled: not faked


def test_narrative_paragraphs_print_as_headings_run_in_headings_or_body() -> None:
    assert narrative_blocks(SECTIONS) == [
        Block("h1", SECTIONS[0].heading),
        Block("p", SECTIONS[0].paragraphs[0]),
        Block("h2", "（一）加强组织领导，确保中央环保督察反馈问题整改工作扎实开展"),
        Block("p", SECTIONS[0].paragraphs[2]),
        Block("h1", "二、大力解决生态环境突出问题"),
        Block("run_in", "（一）持续提高生态系统质量和稳定性。", "按照自治区要求，*全面*加强。"),
        Block("p", "下一步，锡林郭勒盟将深入贯彻习近平生态文明思想。"),
    ]
    # one sentence after （一） is a numbered paragraph, not a heading
    assert narrative_blocks([NarrativeSection("", ["（三）已将资金纳入年度财政预算。"])]) == [
        Block("p", "（三）已将资金纳入年度财政预算。")
    ]


def docx_paragraphs(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_docx_title_opening_narrative_verbatim_then_the_attachment(ledger: LedgerSnapshot) -> None:
    snap = snapshot(ledger, on_schedule=2)
    texts = docx_paragraphs(render_progress_report_docx(snap))
    narrative = [t for s in SECTIONS for t in ([s.heading] if s.heading else []) + s.paragraphs]
    attachment = docx_paragraphs(render_issue_progress_docx(ledger))
    assert texts == [TITLE, opening_paragraph(snap), *narrative, "附件", *attachment]
    assert "已完成整改1项" in texts[1]


def test_docx_layout_of_the_narrative(ledger: LedgerSnapshot) -> None:
    doc = docx.Document(io.BytesIO(render_progress_report_docx(snapshot(ledger))))
    by_text = {p.text: p for p in doc.paragraphs}
    assert by_text[TITLE].style.name == "公文标题"
    assert by_text[SECTIONS[0].heading].style.name == "公文一级标题"
    assert by_text[SECTIONS[0].paragraphs[1]].style.name == "公文二级标题"
    run_in = by_text[SECTIONS[1].paragraphs[0]]
    head, rest = run_in.runs
    assert head.text == "（一）持续提高生态系统质量和稳定性。" and rest.text.startswith("按照")
    assert head._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == FONT_HEADING_2
    label = by_text["附件"]
    assert label.style.name == "公文附件标识" and label.paragraph_format.page_break_before


def test_markdown_has_the_same_order_and_escapes_the_office_text(ledger: LedgerSnapshot) -> None:
    md = render_progress_report_md(snapshot(ledger, on_schedule=2)).decode("utf-8")
    blocks = md.split("\n\n")
    assert blocks[0] == f"# {TITLE}"
    assert blocks[1].startswith(BACKGROUND) and "正在推进2项（达到序时进度2项）" in blocks[1]
    assert blocks[2] == f"## {SECTIONS[0].heading}"
    assert "### （一）加强组织领导，确保中央环保督察反馈问题整改工作扎实开展" in blocks
    assert "（一）持续提高生态系统质量和稳定性。按照自治区要求，\\*全面\\*加强。" in blocks
    attachment = blocks.index("附件")
    assert blocks[attachment - 1] == "下一步，锡林郭勒盟将深入贯彻习近平生态文明思想。"
    assert blocks[attachment + 1] == "# 锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况"


@pytest.mark.parametrize("fmt", [ReportFormat.md, ReportFormat.docx])
def test_an_empty_narrative_leaves_only_the_computed_parts(ledger: LedgerSnapshot, fmt: ReportFormat) -> None:
    snap = snapshot(ledger, sections=[])
    content = kinds.get("progress_report").render(snap, fmt)
    if fmt == ReportFormat.docx:
        texts = docx_paragraphs(content)
    else:
        texts = [re.sub(r"^#+ ", "", b) for b in content.decode("utf-8").split("\n\n")]
    assert texts[:3] == [TITLE, opening_paragraph(snap), "附件"]


def test_stored_sections_are_read_defensively() -> None:
    raw = [
        {"heading": " 一、标题 ", "paragraphs": ["段落。", "", 3, "  "]},
        {"heading": "", "paragraphs": []},
        "junk",
        {"paragraphs": ["无标题段落。"]},
    ]
    assert parse_sections(raw) == [NarrativeSection("一、标题", ["段落。"]), NarrativeSection("", ["无标题段落。"])]
    assert parse_sections({"not": "a list"}) == []


def test_the_kind_is_registered_for_md_docx_and_pdf(ledger: LedgerSnapshot) -> None:
    kind = kinds.get("progress_report")
    assert kind.formats == {ReportFormat.md, ReportFormat.docx, ReportFormat.pdf}
    assert kind.file_name(snapshot(ledger), ReportFormat.docx) == f"{TITLE}（截至2024-12-15）.docx"
    with pytest.raises(ValueError):
        kind.render(snapshot(ledger), ReportFormat.xlsx)
