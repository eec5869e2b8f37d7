"""escalation_notice: the 公文 of one escalation, in Markdown, Word and PDF, and its loading."""

import io
import os
from datetime import UTC, date, datetime
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import ReportFormat, ReportKind, ReportState
from rectify_shared.escalation_policy import Level
from rectify_shared.models import Escalation, Measure, ReportFile
from report_worker.jobs import render_report
from report_worker.kinds import get
from report_worker.pdf import cjk_font_available
from report_worker.render.escalation_notice import EscalationNotice, notice_title, period_text

from .ledger_data import (
    AS_OF,
    LEAGUE,
    NATURAL_RESOURCES,
    PATHS,
    ROUND_ID,
    add_job,
    job_row,
    seed_ledger,
    worker_context,
)

requires_cjk_font = pytest.mark.skipif(
    not cjk_font_available() and os.environ.get("CI") != "true",
    reason="no CJK font installed (run `make fonts` or apt-get install fonts-noto-cjk); with CI=true this fails",
)

TITLE = "关于第二轮中央生态环境保护督察反馈第3项问题整改的督办通知"
DOC_NO = "锡整改办督〔2024〕3号"


def notice(**changes: Any) -> EscalationNotice:
    values: dict[str, Any] = {
        "escalation_id": 7,
        "level": Level.supervision,
        "state": "issued",
        "doc_no": DOC_NO,
        "round_name": "第二轮中央生态环境保护督察",
        "office": "锡林郭勒盟",
        "addressee": "东乌旗人民政府",
        "reason": "整改时限已过5个工作日仍未完成",
        "as_of": date(2024, 12, 15),
        "issue_seq": 3,
        "issue_description": "不仅矿山开采侵占草原林地问题突出，生态修复治理也进展滞后。",
        "measure_seq": 2,
        "measure_text": "盟能源局对照全盟露天煤矿《初步设计》共排查发现问题14项。",
        "response_due": date(2024, 12, 31),
        "issued_on": date(2024, 12, 16),
    }
    return EscalationNotice(**{**values, **changes})


def east_asian_font(paragraph: Any) -> str | None:
    """The East-Asian font Word uses for a paragraph's text: set on its runs, or on its style chain."""
    fonts: set[str | None] = set()
    for run in paragraph.runs:
        direct = run._r.rPr.find(qn("w:rFonts")) if run._r.rPr is not None else None
        if direct is not None and direct.get(qn("w:eastAsia")):
            fonts.add(direct.get(qn("w:eastAsia")))
            continue
        style = paragraph.style
        while style is not None:
            rpr = style.element.rPr
            inherited = rpr.find(qn("w:rFonts")) if rpr is not None else None
            if inherited is not None and inherited.get(qn("w:eastAsia")):
                fonts.add(inherited.get(qn("w:eastAsia")))
                break
            style = style.base_style
        else:
            fonts.add(None)
    [font] = fonts
    return font


def render(snapshot: EscalationNotice, fmt: ReportFormat) -> bytes:
    return get("escalation_notice").render(snapshot, fmt)


def test_title_follows_the_level_and_the_task() -> None:
    assert notice_title(notice()) == TITLE
    assert notice_title(notice(level=Level.warning)).endswith("问题整改的预警函")
    assert notice_title(notice(level=Level.notice)).endswith("问题整改的通报")
    assert notice_title(notice(level=Level.summons)).endswith("问题整改的约谈通知")
    missed = notice(issue_seq=None, issue_description=None, measure_text=None, dispatch_period="2024-W50")
    assert notice_title(missed) == "关于2024年第50周调度情况报送的督办通知"
    assert (period_text("2024-12"), period_text("2024-W05")) == ("2024年12月", "2024年第5周")


def test_markdown() -> None:
    text = render(notice(), ReportFormat.md).decode("utf-8")
    assert text.startswith(f"**锡林郭勒盟**\n\n{DOC_NO}\n\n---\n\n# {TITLE}\n\n东乌旗人民政府：\n\n")
    assert "第3项问题：不仅矿山开采侵占草原林地问题突出，生态修复治理也进展滞后。" in text
    assert "整改措施（二）：盟能源局对照全盟露天煤矿《初步设计》共排查发现问题14项。" in text
    assert "存在情况：整改时限已过5个工作日仍未完成。" in text
    assert "请于2024年12月31日前将整改情况书面报送锡林郭勒盟。" in text
    assert text.endswith("锡林郭勒盟\n\n2024年12月16日\n")
    draft = render(notice(state="proposed", issued_on=None, doc_no=None), ReportFormat.md).decode("utf-8")
    assert "（未签发）" in draft and draft.endswith("年　月　日\n") and "〔" not in draft


def test_docx_is_a4_with_gongwen_margins_and_east_asian_fonts() -> None:
    doc = Document(io.BytesIO(render(notice(), ReportFormat.docx)))
    section = doc.sections[0]
    # Word stores twentieths of a point: millimetres come back to within a tenth
    assert [round(length.mm, 1) for length in (section.page_width, section.page_height)] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(length.mm, 1) for length in margins] == [37, 35, 28, 26]
    normal_fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"

    paragraphs = [p for p in doc.paragraphs if p.text]
    texts = [p.text for p in paragraphs]
    assert texts[:4] == ["锡林郭勒盟", DOC_NO, TITLE, "东乌旗人民政府："]
    assert texts[-2:] == ["锡林郭勒盟", "2024年12月16日"]
    assert east_asian_font(paragraphs[0]) == "方正小标宋简体"  # the red masthead
    assert east_asian_font(paragraphs[2]) == "方正小标宋简体" and paragraphs[2].style.font.size.pt == 22
    assert {east_asian_font(p) for p in paragraphs[3:]} == {"仿宋_GB2312", "黑体"}
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in footer._p.xml


@requires_cjk_font
def test_pdf_embeds_a_cjk_font_and_says_what_the_notice_says() -> None:
    content = render(notice(), ReportFormat.pdf)
    reader = PdfReader(io.BytesIO(content))
    fonts = {
        str(ref.get_object()["/BaseFont"]) for page in reader.pages for ref in page["/Resources"]["/Font"].values()
    }
    assert any("Noto" in name and "CJK" in name for name in fonts), fonts
    pages = [page.extract_text() for page in reader.pages]
    text = "".join(pages).replace("\n", "")
    assert TITLE in text and DOC_NO in text and "东乌旗人民政府：" in text
    assert "2024年12月16日" in text and "请于2024年12月31日前将整改情况书面报送锡林郭勒盟。" in text
    assert "— 1 —" in pages[0]
    # the signature never stands alone on a page
    assert "书面报送锡林郭勒盟。" in pages[-1]


async def seed_escalation(engine: AsyncEngine, *, round_id: int = ROUND_ID, org: int = NATURAL_RESOURCES) -> int:
    sessions = make_sessionmaker(engine, write=True)
    await seed_ledger(sessions)
    async with sessions() as s:
        measure = (await s.execute(select(Measure).where(Measure.issue_id == 10).order_by(Measure.position))).scalars()
        first = measure.first()
        assert first is not None
        escalation = Escalation(
            round_id=round_id,
            level="supervision",
            rule="r3",
            dedupe_key="r3:issue:10",
            issue_id=10,
            measure_id=first.id,
            addressed_org_id=org,
            org_path=PATHS[org],
            reason="整改时限已过5个工作日仍未完成",
            trigger={"kind": "after_deadline", "working_days": 5},
            state="issued",
            as_of=AS_OF,
            issued_at=datetime(2024, 12, 15, 17, 30, tzinfo=UTC),  # 2024-12-16 01:30 in China
            issued_by="办公室",
            response_due=date(2024, 12, 31),
            doc_no=DOC_NO,
        )
        s.add(escalation)
        await s.commit()
        assert escalation.id is not None
        return escalation.id


async def add_notice_job(engine: AsyncEngine, fmt: str, params: dict[str, Any], org_path: str = PATHS[LEAGUE]) -> int:
    return await add_job(
        make_sessionmaker(engine, write=True), fmt, org_path=org_path, kind=ReportKind.escalation_notice, params=params
    )


@pytest.mark.asyncio
async def test_the_job_loads_the_escalation_and_renders_it(engine: AsyncEngine) -> None:
    escalation_id = await seed_escalation(engine)
    ctx = worker_context(engine)
    report_id = await add_notice_job(engine, "md", {"scope_exact": False, "escalation_id": escalation_id})
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    job = await job_row(ctx["write_sessions"], report_id)
    assert job.file_name == f"关于第二轮中央生态环境保护督察反馈第1项问题整改的督办通知（{DOC_NO}）.md"
    async with ctx["read_sessions"]() as s:
        content = (await s.get(ReportFile, report_id)).content.decode("utf-8")
    assert "盟自然资源局：" in content and "第1项问题：第1个问题的描述。" in content
    assert "整改措施（一）：措施甲。" in content
    assert content.endswith("锡林郭勒盟\n\n2024年12月16日\n")  # issued on the 16th in China


@pytest.mark.asyncio
async def test_an_escalation_outside_the_jobs_scope_or_without_an_id_fails_the_job(engine: AsyncEngine) -> None:
    escalation_id = await seed_escalation(engine)
    ctx = worker_context(engine)
    outside = PATHS[NATURAL_RESOURCES] + "9/"
    elsewhere = await add_notice_job(engine, "md", {"escalation_id": escalation_id}, org_path=outside)
    missing = await add_notice_job(engine, "md", {"scope_exact": False})
    assert await render_report(ctx, {"report_id": elsewhere}) == "failed"
    assert await render_report(ctx, {"report_id": missing}) == "failed"
    assert "督办事项不存在" in ((await job_row(ctx["write_sessions"], elsewhere)).error or "")
    failed = await job_row(ctx["write_sessions"], missing)
    assert failed.state == ReportState.failed and "needs the parameter escalation_id" in (failed.error or "")


@pytest.mark.asyncio
async def test_a_folded_letter_is_from_the_office_to_the_unit_listing_its_measures_copied_to_the_leader(
    engine: AsyncEngine,
) -> None:
    """Seen #4: the letter read "锡林郭勒盟：…报送锡林郭勒盟", signed 锡林郭勒盟. Now the round's office
    issues and signs it, the unit is its addressee, its measures are listed and the 责任领导 is copied."""
    from rectify_shared.enums import OrgKind
    from rectify_shared.models import InspectionRound, Issue, Org

    escalation_id = await seed_escalation(engine)
    sessions = make_sessionmaker(engine, write=True)
    async with sessions() as s:
        office = Org(
            id=90, name="锡林郭勒盟督察整改办", kind=OrgKind.office, parent_id=LEAGUE, path="/1/2/90/", depth=2
        )
        s.add(office)
        await s.flush()
        rnd = await s.get(InspectionRound, ROUND_ID)
        rnd.office_org_id = 90
        e = await s.get(Escalation, escalation_id)
        measures = (await s.execute(select(Measure).where(Measure.issue_id == 10).order_by(Measure.position))).scalars()
        e.measure_id, e.issuer_org_id = None, 90
        e.trigger = {**e.trigger, "measures": [m.id for m in measures]}
        issue = await s.get(Issue, 10)
        issue.responsible_leader = {"name": "王某", "title": "盟委副书记", "mobile": "13904790001"}
        await s.commit()
    ctx = worker_context(engine)
    report_id = await add_notice_job(engine, "md", {"scope_exact": False, "escalation_id": escalation_id})
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with ctx["read_sessions"]() as s:
        content = (await s.get(ReportFile, report_id)).content.decode("utf-8")
    assert content.startswith("**锡林郭勒盟督察整改办**") and "\n\n盟自然资源局：\n\n" in content
    assert "你单位负责的整改措施（一）：措施甲。" in content
    assert "书面报送锡林郭勒盟督察整改办。" in content and "报送锡林郭勒盟。" not in content
    assert content.endswith("锡林郭勒盟督察整改办\n\n2024年12月16日\n\n抄送：王某（盟委副书记，13904790001）。\n")
