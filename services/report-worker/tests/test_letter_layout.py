"""Letters that fit their page: the closing (last paragraph, signature, date, 抄送) never stands
alone on a page, whatever the body's length; the demo's problem 9 督办通知 fits one page; a 约谈
notice prints its time, place and participants, and ends 特此通知, not like a 督办."""

import dataclasses
import io
import os
import re
from datetime import date, datetime

import pytest
from docx import Document
from pypdf import PdfReader

from rectify_shared.escalation_policy import Level
from rectify_shared.timezone import CHINA_TZ
from report_worker.pdf import cjk_font_available
from report_worker.pdf.worker_process import render as layout
from report_worker.render.escalation_notice import (
    EscalationNotice,
    Summons,
    blocks,
    render_notice_docx,
    render_notice_html,
    render_notice_md,
    render_notice_pdf,
)

requires_cjk_font = pytest.mark.skipif(
    not cjk_font_available() and os.environ.get("CI") != "true",
    reason="no CJK font installed (run `make fonts` or apt-get install fonts-noto-cjk); with CI=true this fails",
)

#: the demo's problem 9 (餐厨垃圾处理设施), a 督办 issued by hand on its second measure
PROBLEM_9 = EscalationNotice(
    escalation_id=21,
    level=Level.supervision,
    state="issued",
    doc_no="锡整改办督〔2024〕9号",
    round_name="第二轮中央生态环境保护督察",
    office="锡林郭勒盟督察整改办",
    addressee="盟住房和城乡建设局",
    reason="整改时限已过5个工作日，仍有3个旗县餐厨垃圾处理设施未建成投运",
    as_of=date(2024, 12, 16),
    issue_seq=9,
    issue_description="城镇现有生活垃圾处理设施与垃圾分类需求不匹配，全区69个旗县、20个设市城市均应建设"
    "餐厨垃圾处理设施，目前仅建成14座。",
    measure_seq=2,
    measure_text="截至2024年12月中旬，11个需建设餐厨垃圾处理设施的旗县中，有8个已建成，1个正在试运行，"
    "1个正在建设，1个正在办理项目前期手续。",
    response_due=date(2024, 12, 31),
    issued_on=date(2024, 12, 16),
    cc="孙某（盟行署副盟长，13904790004）",
    reference="《锡林郭勒盟生态环境保护督察整改工作督办办法》",
    requirements=("12月31日前完成正在试运行设施的验收并投入运行", "每周五向盟督察整改办报送建设进度"),
)
MEETING = Summons(
    time=datetime(2025, 1, 8, 14, 30, tzinfo=CHINA_TZ),
    place="盟行署3楼第一会议室",
    interviewers=("王某（盟行署副盟长）",),
    interviewees=("李某（盟住建局局长）", "赵某（盟住建局副局长）"),
    agenda=("被约谈单位汇报整改进展和存在问题", "约谈人提出整改要求", "被约谈单位表态发言"),
)


def letter(level: Level, body_lines: int, folded: int = 0) -> EscalationNotice:
    """Problem 9's letter at `level`, its reason padded to about `body_lines` more lines and
    `folded` more measures listed (two lines each)."""
    padding = "经现场核查设施建设进度明显滞后于整改方案确定的时间节点" * body_lines
    reason = f"{PROBLEM_9.reason}，{padding}" if padding else PROBLEM_9.reason
    measures = tuple((seq, "盟住建局督促旗县加快餐厨垃圾处理设施建设") for seq in range(3, 3 + folded))
    changes: dict[str, object] = {"level": level, "reason": reason, "measures": measures}
    if level == Level.summons:
        changes |= {"summons": MEETING, "requirements": (), "doc_no": "锡整改办约〔2025〕1号"}
    return dataclasses.replace(PROBLEM_9, **changes)  # type: ignore[arg-type]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages_of(pdf: bytes) -> list[str]:
    return [squeeze(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def closing_only(page: str, notice: EscalationNotice) -> bool:
    """The page holds nothing but the closing: last paragraph, signature, date, 抄送, page number."""
    laid_out = blocks(notice)
    rest = page
    for text in [t for _, t in laid_out[-3:]] + [f"抄送：{notice.cc}。"]:
        rest = rest.replace(squeeze(text), "")
    return not re.sub(r"—\d+—", "", rest)


def test_a_summons_prints_its_meeting_and_ends_as_a_notice() -> None:
    text = render_notice_md(letter(Level.summons, 0)).decode("utf-8")
    assert "约谈时间：2025年1月8日（星期三）下午2时30分。" in text
    assert "约谈地点：盟行署3楼第一会议室。" in text
    assert "约谈人：王某（盟行署副盟长）。" in text
    assert "被约谈人：李某（盟住建局局长）、赵某（盟住建局副局长）。" in text
    assert "1.被约谈单位汇报整改进展和存在问题。" in text
    assert "书面报送" not in text and text.index("特此通知。") > text.index("约谈议程")
    # the reference given when issuing is the letter's basis
    assert "根据《锡林郭勒盟生态环境保护督察整改工作督办办法》和锡林郭勒盟督察整改办" in text

    supervision = render_notice_md(PROBLEM_9).decode("utf-8")
    assert "锡整改办督〔2024〕9号" in supervision and "（二）每周五向盟督察整改办报送建设进度。" in supervision
    assert "约谈" not in supervision and "特此通知" not in supervision


def test_the_docx_keeps_the_last_paragraph_with_the_signature() -> None:
    doc = Document(io.BytesIO(render_notice_docx(PROBLEM_9)))
    texts = [p.text for p in doc.paragraphs]
    last = doc.paragraphs[texts.index("锡林郭勒盟督察整改办", 1) - 1]
    assert last.text.startswith("请于2024年12月31日前")
    assert last.paragraph_format.keep_with_next and last.paragraph_format.keep_together
    signature = doc.paragraphs[texts.index("锡林郭勒盟督察整改办", 1)]
    assert signature.paragraph_format.keep_with_next


@requires_cjk_font
def test_problem_9_fits_one_page() -> None:
    pages = pages_of(render_notice_pdf(PROBLEM_9))
    assert len(pages) == 1
    assert "锡林郭勒盟督察整改办2024年12月16日" in pages[0] and "抄送：孙某" in pages[0]


@requires_cjk_font
@pytest.mark.parametrize("level", list(Level))
def test_no_page_holds_only_the_closing(level: Level) -> None:
    """Bodies from short to long cross page boundaries: at no length does a page hold the closing
    alone. Laid out in process at the 公文 layout, without the tighter fallbacks (they save a page
    when they can; the closing must hold together without them)."""
    seen_pages = set()
    # short (one page); just over; long, where the closing alone used to go to page 3
    for body_lines, folded in ((0, 0), (0, 8), (0, 9)):
        notice = letter(level, body_lines, folded)
        _status, pdf = layout(render_notice_html(notice), 10, [])
        pages = pages_of(pdf)
        seen_pages.add(len(pages))
        assert not any(closing_only(page, notice) for page in pages), (body_lines, folded, pages[-1])
        whole = re.sub(r"—\d+—", "", "".join(pages))
        assert all(squeeze(text) in whole for _, text in blocks(notice)), (body_lines, folded)
    assert len(seen_pages) >= 2  # the lengths did cross a page boundary
