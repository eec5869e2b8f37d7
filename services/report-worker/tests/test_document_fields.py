"""The fields real documents carry (issue 24): a 公示's legal basis, issuing org, contact lines,
closing phrase, attachment title and how its period is shown; a task's display number; a round's
status words and numbering. Each changes the wording of its document; absent, nothing changes."""

import io
from typing import Any

import pytest
from docx import Document
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import ReportFormat
from rectify_shared.models import InspectionRound, Issue
from report_worker.narrative import load_progress_report
from report_worker.render.progress_report import render_progress_report_md, report_context

from .ledger_data import LEAGUE, PATHS, ROUND_ID, seed_ledger
from .test_closure_documents import PERIOD, dossier, render
from .test_progress_report_loader import Job

BASIS = "根据《锡林郭勒盟生态环境保护督察整改工作实施办法》"
FIELDS: dict[str, Any] = {
    "legal_basis": BASIS,
    "issuer": "锡林郭勒盟河湖管理中心",
    "contact": None,
    "contacts": ({"label": "联系电话", "value": "0479-8888888"}, {"label": "电子邮箱", "value": "dcb@xlgl.gov.cn"}),
    "medium": None,
    "attachment_title": "第十项整改任务销号情况表",
    "closing": "特此公示",
    "display_no": "序号十",
    "days_shown": "calendar",
}


def md(**changes: Any) -> str:
    return render("closure_notice", dossier(**changes), ReportFormat.md).decode("utf-8")


def test_without_the_fields_the_notice_reads_as_before() -> None:
    text = md()
    assert "根据第二轮中央生态环境保护督察整改工作安排，锡林郭勒盟住房和城乡建设局牵头的第8项整改任务" in text
    assert PERIOD in text and "特此公示" not in text and "附件：整改任务完成情况表" in text
    assert "锡林郭勒盟\n\n2025年9月26日\n\n**附件**" in text
    assert "公示媒介" not in md(medium=None)  # the medium is optional now


def test_each_field_of_a_notice_changes_its_wording() -> None:
    text = md(**FIELDS)
    assert f"{BASIS}，锡林郭勒盟住房和城乡建设局牵头的序号十整改任务已完成整改" in text
    assert "整改工作安排" not in text and "公示媒介" not in text and "联系方式：" not in text
    assert "序号十：锡林浩特市生活垃圾填埋场渗滤液处理不到位。" in text  # the task and the table's first cell
    assert "联系电话：0479-8888888\n\n电子邮箱：dcb@xlgl.gov.cn" in text
    assert "特此公示。\n\n附件：第十项整改任务销号情况表" in text and "## 第十项整改任务销号情况表" in text
    # signed by the org that issues it, not the round's office
    assert "锡林郭勒盟河湖管理中心\n\n2025年9月26日\n\n**附件**" in text
    # 10 working days shown as the calendar days they span; or not at all
    assert "公示期为2025年9月26日至2025年10月15日（20日）。" in text
    assert "公示期为2025年9月26日至2025年10月15日。" in md(**{**FIELDS, "days_shown": "none"})
    assert "牵头的第3-1项整改任务" in md(display_no="3-1")


def test_the_notice_in_word_carries_the_fields() -> None:
    doc = Document(io.BytesIO(render("closure_notice", dossier(**FIELDS), ReportFormat.docx)))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[2].startswith(BASIS) and "联系电话：0479-8888888" in texts and "特此公示。" in texts
    assert texts[texts.index("特此公示。") + 2 : texts.index("特此公示。") + 4] == [
        "锡林郭勒盟河湖管理中心",
        "2025年9月26日",
    ]


@pytest.mark.asyncio
async def test_the_rounds_status_words_and_numbering_and_a_display_number_reach_the_progress_report(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(engine)
    await seed_ledger(sessions)
    async with sessions() as s:
        settings = {
            "status_words": {"in_progress": "正在整改"},
            "aspect_numbering": "（一）",
            "measure_numbering": "1.",
        }
        await s.execute(
            update(InspectionRound).where(InspectionRound.id == ROUND_ID).values(document_settings=settings)
        )
        await s.execute(update(Issue).where(Issue.seq == 1).values(display_no="3-1"))
        await s.commit()
    async with make_sessionmaker(engine, write=False)() as session:
        snap = await load_progress_report(session, Job(PATHS[LEAGUE]))
    text = render_progress_report_md(snap).decode("utf-8")
    attachment = text[text.index("\n附件\n") :]
    assert "\n## （一）" in attachment and "\n## 一、" not in attachment
    assert "整改进展情况：正在整改" in attachment and "整改进展情况：正在推进" not in attachment
    assert "\n3-1.第1个问题的描述。" in attachment and "\n5.第5个问题的描述。" in attachment
    assert "\n1.措施甲。" in attachment and "（一）措施" not in attachment
    context = report_context(snap)
    assert context["status_words"]["in_progress"] == "正在整改"
    assert context["status_words"]["completed_long_term"] == "已完成整改，长期坚持"
    assert context["aspects"][0]["number"] == "（一）" and context["measure_numbering"] == "1."
