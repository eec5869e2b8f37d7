"""closure_notice (销号公示) and closure_form (销号审批表): the text, the Word and PDF layout, and loading."""

import io
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import ReportFormat, ReportKind, ReportState
from rectify_shared.models import Closure, ClosureObjection, ClosureStep, ReportFile
from report_worker.jobs import render_report
from report_worker.kinds import get
from report_worker.pdf import cjk_font_available
from report_worker.render.closure_documents import ClosureDossier, Opinion

from .ledger_data import HOUSING, LEAGUE, NATURAL_RESOURCES, PATHS, ROUND_ID, add_job, job_row, seed_ledger

requires_cjk_font = pytest.mark.skipif(
    not cjk_font_available() and os.environ.get("CI") != "true",
    reason="no CJK font installed (run `make fonts` or apt-get install fonts-noto-cjk); with CI=true this fails",
)

NOTICE_TITLE = "关于第二轮中央生态环境保护督察整改任务销号的公示"
PERIOD = "公示期为2025年9月26日至2025年10月15日（10个工作日）。"


def dossier(**changes: Any) -> ClosureDossier:
    values: dict[str, Any] = {
        "closure_id": 5,
        "state": "in_publicity",
        "round_name": "第二轮中央生态环境保护督察",
        "office": "锡林郭勒盟",
        "as_of": date(2025, 9, 26),
        "issue_seq": 8,
        "issue_description": "锡林浩特市生活垃圾填埋场渗滤液处理不到位。",
        "goal": "渗滤液处理设施稳定运行，出水达标。",
        "lead_org": "锡林郭勒盟住房和城乡建设局",
        "responsible_orgs": ("锡林郭勒盟住房和城乡建设局", "锡林浩特市"),
        "measures": ("（一）新建渗滤液处理站一座。", "（二）清运积存渗滤液。"),
        "statement": "渗滤液处理站已建成投运，出水稳定达标。",
        "applicant_org": "锡林浩特市",
        "applied_on": date(2025, 8, 1),
        "latest_progress": "第三方检测出水达标。",
        "latest_progress_on": date(2025, 7, 20),
        "review": Opinion("锡林郭勒盟住房和城乡建设局", "zjj", "材料齐全，同意报验", date(2025, 8, 5)),
        "levels": (
            Opinion("锡林郭勒盟住房和城乡建设局", "zjj", "现场核查通过", date(2025, 8, 20)),
            Opinion("锡林郭勒盟", "admin", None, date(2025, 9, 10)),
        ),
        "publicity_start": date(2025, 9, 26),
        "publicity_end": date(2025, 10, 15),
        "publicity_days": 10,
        "publicity_day_kind": "working",
        "medium": "锡林郭勒盟行政公署网站",
        "contact": "0479-8888888",
    }
    return ClosureDossier(**{**values, **changes})


def render(kind: str, d: ClosureDossier, fmt: ReportFormat) -> bytes:
    return get(kind).render(d, fmt)


def test_the_notice_states_the_task_the_period_how_to_object_and_the_completion_table() -> None:
    text = render("closure_notice", dossier(), ReportFormat.md).decode("utf-8")
    assert text.startswith(f"**锡林郭勒盟**\n\n---\n\n# {NOTICE_TITLE}\n\n")
    assert "第8项：锡林浩特市生活垃圾填埋场渗滤液处理不到位。" in text
    assert "经锡林郭勒盟住房和城乡建设局、锡林郭勒盟逐级验收通过" in text
    assert PERIOD in text and "公示媒介：锡林郭勒盟行政公署网站。" in text
    assert "实名提出" in text and "联系方式：0479-8888888。" in text
    assert "锡林郭勒盟\n\n2025年9月26日\n\n**附件**" in text  # signed on the first day of the notice
    table = text[text.index("| 整改任务 |") :].splitlines()
    assert table[0] == "| 整改任务 | 责任单位 | 整改目标 | 整改措施 | 完成情况 |"
    cells = [c.strip() for c in table[2].strip("|").split("|")]
    assert cells[0] == "第8项：锡林浩特市生活垃圾填埋场渗滤液处理不到位。"
    assert cells[1] == "锡林郭勒盟住房和城乡建设局（牵头）<br>锡林浩特市"
    assert cells[2] == "渗滤液处理设施稳定运行，出水达标。"
    assert cells[3] == "（一）新建渗滤液处理站一座。<br>（二）清运积存渗滤液。"
    assert cells[4] == "渗滤液处理站已建成投运，出水稳定达标。<br>最新进展（2025年7月20日）：第三方检测出水达标。"


def test_a_calendar_day_notice_and_an_ended_one_say_so() -> None:
    calendar = render("closure_notice", dossier(publicity_day_kind="calendar"), ReportFormat.md).decode()
    assert "公示期为2025年9月26日至2025年10月15日（10日）。" in calendar
    assert "（公示已终止）" in render("closure_notice", dossier(state="reopened"), ReportFormat.md).decode()
    with pytest.raises(ValueError, match="尚未进入公示"):
        render("closure_notice", dossier(publicity_start=None, publicity_end=None), ReportFormat.md)


def test_the_form_shows_each_levels_opinion_and_date() -> None:
    text = render("closure_form", dossier(), ReportFormat.md).decode("utf-8")
    assert "# 第二轮中央生态环境保护督察整改任务销号审批表" in text and "（当前环节：公示中）" in text
    rows = {r.split("|")[1].strip(): r.split("|")[2].strip() for r in text.splitlines() if r.startswith("| ")}
    assert rows["牵头单位审核意见（锡林郭勒盟住房和城乡建设局）"] == "材料齐全，同意报验<br>zjj　2025年8月5日"
    assert rows["第1级验收意见（锡林郭勒盟住房和城乡建设局）"] == "现场核查通过<br>zjj　2025年8月20日"
    assert rows["第2级验收意见（锡林郭勒盟）"] == "验收通过<br>admin　2025年9月10日"  # no comment: the default
    assert rows["公示情况"].startswith("公示期为2025年9月26日至2025年10月15日（10个工作日）")
    assert rows["销号意见（锡林郭勒盟）"] == "（待销号）"
    pending = dossier(state="accepting", levels=(dossier().levels[0], Opinion("锡林郭勒盟")), publicity_start=None)
    rows = {
        r.split("|")[1].strip(): r.split("|")[2].strip()
        for r in render("closure_form", pending, ReportFormat.md).decode().splitlines()
        if r.startswith("| ")
    }
    assert rows["第2级验收意见（锡林郭勒盟）"] == "（待验收）" and rows["公示情况"] == "（未公示）"


def test_the_notice_in_word_is_a_gongwen_with_the_table_on_its_own_page() -> None:
    doc = Document(io.BytesIO(render("closure_notice", dossier(), ReportFormat.docx)))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:2] == ["锡林郭勒盟", NOTICE_TITLE]
    assert PERIOD in texts
    label = next(p for p in doc.paragraphs if p.text == "附件")
    assert label.paragraph_format.page_break_before
    [table] = doc.tables
    assert [c.text for c in table.rows[0].cells] == ["整改任务", "责任单位", "整改目标", "整改措施", "完成情况"]
    assert table.rows[1].cells[3].text == "（一）新建渗滤液处理站一座。\n（二）清运积存渗滤液。"
    form = Document(io.BytesIO(render("closure_form", dossier(), ReportFormat.docx)))
    first_column = [row.cells[0].text for row in form.tables[0].rows]
    assert "第2级验收意见（锡林郭勒盟）" in first_column


@requires_cjk_font
def test_the_notice_as_pdf_reads_back() -> None:
    reader = PdfReader(
        io.BytesIO(render("closure_notice", replace(dossier(), contact="0479-1234567"), ReportFormat.pdf))
    )
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert NOTICE_TITLE in text and "公示期为2025年9月26日至2025年10月15日" in text
    assert "整改任务完成情况表" in text and "0479-1234567" in text
    assert len(reader.pages) >= 2  # the attachment starts a page


async def seed_closure(engine: AsyncEngine) -> int:
    sessions = make_sessionmaker(engine, write=True)
    await seed_ledger(sessions)
    levels = [
        {"kind": "county", "org_id": NATURAL_RESOURCES, "org_name": "盟自然资源局"},
        {"kind": "league", "org_id": LEAGUE, "org_name": "锡林郭勒盟"},
    ]
    async with sessions() as s:
        closure = Closure(
            issue_id=10,
            round_id=ROUND_ID,
            org_path=PATHS[NATURAL_RESOURCES],
            applicant_org_id=NATURAL_RESOURCES,
            state="written_off",
            statement="问题已整改到位。",
            levels=levels,
            accepted_levels=2,
            applied_at=datetime(2025, 1, 6, 2, tzinfo=UTC),
            applied_by="unit",
            publicity_start=date(2025, 1, 20),
            publicity_end=date(2025, 2, 10),
            publicity_days=10,
            publicity_day_kind="working",
            publicity_contact="0479-1",
        )
        s.add(closure)
        await s.flush()
        assert closure.id is not None
        cid = closure.id

        def step(action: str, to: str, day: int, comment: str | None, level: int | None = None) -> None:
            s.add(
                ClosureStep(
                    closure_id=cid,
                    action=action,
                    to_state=to,
                    level=level,
                    org_id=NATURAL_RESOURCES,
                    actor=f"{action}-actor",
                    comment=comment,
                    at=datetime(2025, 1, day, 17, tzinfo=UTC),  # the next day in China
                )
            )

        step("apply", "applied", 5, "问题已整改到位。")
        step("review", "accepting", 6, "同意")
        step("accept", "accepting", 7, "旗级验收通过", level=1)
        step("accept", "accepted", 8, "盟级验收通过", level=2)
        step("publicity", "in_publicity", 9, None)
        step("writeoff", "written_off", 10, "同意销号")
        s.add(ClosureObjection(closure_id=cid, name="张三", contact="1", content="有异议", source="public"))
        await s.commit()
        return cid


@pytest.mark.asyncio
async def test_the_job_loads_the_closure_and_its_steps(engine: AsyncEngine) -> None:
    cid = await seed_closure(engine)
    sessions = make_sessionmaker(engine, write=True)
    ctx = {"write_sessions": sessions, "read_sessions": make_sessionmaker(engine, write=False)}
    report_id = await add_job(sessions, "md", kind=ReportKind.closure_form, params={"closure_id": cid})
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    job = await job_row(sessions, report_id)
    assert job.file_name == "第二轮中央生态环境保护督察整改任务销号审批表（第1项）.md"
    async with ctx["read_sessions"]() as s:
        text = (await s.get(ReportFile, report_id)).content.decode("utf-8")
    assert "| 第1级验收意见（盟自然资源局） | 旗级验收通过<br>accept-actor　2025年1月8日 |" in text
    assert "| 第2级验收意见（锡林郭勒盟） | 盟级验收通过<br>accept-actor　2025年1月9日 |" in text
    assert "收到异议1件，其中经核实成立0件" in text and "同意销号<br>writeoff-actor　2025年1月11日" in text
    notice_id = await add_job(sessions, "md", kind=ReportKind.closure_notice, params={"closure_id": cid})
    assert await render_report(ctx, {"report_id": notice_id}) == "done"
    async with ctx["read_sessions"]() as s:
        notice = (await s.get(ReportFile, notice_id)).content.decode("utf-8")
    assert "（一）措施甲。<br>措施乙。<br>（二）措施丙。" in notice  # live measures only, in order
    assert "盟自然资源局（牵头）<br>盟住房和城乡建设局" in notice
    assert "最新进展（2024年12月16日）：次日零点的进展" in notice


@pytest.mark.asyncio
async def test_the_form_prints_the_day_each_step_happened_not_the_day_it_was_typed_in(engine: AsyncEngine) -> None:
    """An office recording history from before Rectify sets a step's `occurred_on`; the 审批表 prints
    that day (`history.step_day`), not the server's time of the record."""
    cid = await seed_closure(engine)
    sessions = make_sessionmaker(engine, write=True)
    async with sessions() as s:
        steps = {(st.action, st.level): st for st in (await s.execute(select(ClosureStep))).scalars()}
        steps[("apply", None)].occurred_on = date(2024, 11, 4)
        steps[("accept", 1)].occurred_on = date(2024, 11, 20)
        steps[("writeoff", None)].occurred_on = date(2024, 12, 30)
        await s.commit()
    ctx = {"write_sessions": sessions, "read_sessions": make_sessionmaker(engine, write=False)}
    report_id = await add_job(sessions, "md", kind=ReportKind.closure_form, params={"closure_id": cid})
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with ctx["read_sessions"]() as s:
        text = (await s.get(ReportFile, report_id)).content.decode("utf-8")
    assert "旗级验收通过<br>accept-actor　2024年11月20日" in text
    assert "盟级验收通过<br>accept-actor　2025年1月9日" in text  # no occurred_on: the server's day
    assert "同意销号<br>writeoff-actor　2024年12月30日" in text
    assert "2024年11月4日申请" in text and "2025年1月6日申请" not in text


@pytest.mark.asyncio
async def test_a_closure_outside_the_jobs_scope_fails_the_job(engine: AsyncEngine) -> None:
    cid = await seed_closure(engine)
    sessions = make_sessionmaker(engine, write=True)
    ctx = {"write_sessions": sessions, "read_sessions": make_sessionmaker(engine, write=False)}
    elsewhere = await add_job(
        sessions, "md", kind=ReportKind.closure_notice, params={"closure_id": cid}, org_path=PATHS[LEAGUE] + "9/"
    )
    # the responsible (not lead) unit sees its task's documents
    responsible = await add_job(
        sessions, "md", kind=ReportKind.closure_notice, params={"closure_id": cid}, org_path=PATHS[HOUSING]
    )
    assert await render_report(ctx, {"report_id": elsewhere}) == "failed"
    failed = await job_row(sessions, elsewhere)
    assert failed.state == ReportState.failed and "销号申请不存在" in (failed.error or "")
    assert await render_report(ctx, {"report_id": responsible}) == "done"
