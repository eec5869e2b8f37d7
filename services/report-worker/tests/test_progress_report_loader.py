"""Loading a progress report: the ledger as of the day, the org's own narrative, on-schedule counts;
and the report job rendering it end to end."""

import io
from typing import Any

import docx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.models import Issue, ReportFile, ReportJob, RoundNarrative
from report_worker.jobs import render_report
from report_worker.narrative import NarrativeSection, load_progress_report

from .ledger_data import AS_OF, LEAGUE, NATURAL_RESOURCES, PATHS, ROUND_ID, seed_ledger

LEAGUE_SECTIONS = [
    {"heading": "一、坚决扛起政治责任", "paragraphs": ["盟委、行署坚持……", "（一）加强组织领导"]},
    {"heading": "", "paragraphs": ["下一步，……"]},
]
OPENING = (
    "中央第三生态环境保护督察组对内蒙古自治区开展了第二轮中央生态环境保护督察。"
    "截至2024年12月15日，4项整改任务已完成整改1项，正在推进2项（达到序时进度1项、滞后1项），尚未启动1项。"
)


class Job:
    def __init__(self, org_path: str, round_id: int = ROUND_ID, scope_exact: bool = False) -> None:
        self.org_path, self.as_of, self.round_id, self.scope_exact = org_path, AS_OF, round_id, scope_exact


async def seed(engine: AsyncEngine) -> Any:
    sessions = make_sessionmaker(engine)
    await seed_ledger(sessions)
    async with sessions() as s:
        # in progress at the cut: seq 1 on schedule, seq 2 behind; seq 3 is outside the league
        for seq, on_schedule in ((1, True), (2, False), (3, True)):
            await s.execute(update(Issue).where(Issue.seq == seq).values(on_schedule=on_schedule))
        s.add(RoundNarrative(round_id=ROUND_ID, org_id=LEAGUE, sections=LEAGUE_SECTIONS, updated_by="office"))
        s.add(
            RoundNarrative(
                round_id=ROUND_ID,
                org_id=NATURAL_RESOURCES,
                sections=[{"heading": "", "paragraphs": ["自然资源局自己的报告。"]}],
                updated_by="unit",
            )
        )
        await s.commit()
    return sessions


@pytest.mark.asyncio
async def test_the_report_reads_the_ledger_as_of_the_day_and_the_orgs_own_narrative(engine: AsyncEngine) -> None:
    await seed(engine)
    async with make_sessionmaker(engine, write=False)() as session:
        snap = await load_progress_report(session, Job(PATHS[LEAGUE]))
        unit = await load_progress_report(session, Job(PATHS[NATURAL_RESOURCES]))
        nobody = await load_progress_report(session, Job(PATHS[LEAGUE] + "999/"))
    assert [i.seq for c in snap.ledger.categories for i in c.issues] == [1, 5, 2, 7]
    assert (snap.on_schedule, snap.behind) == (1, 1)
    assert (snap.target_region, snap.stay_start, snap.feedback_date) == ("内蒙古自治区", None, None)
    assert snap.sections == [
        NarrativeSection("一、坚决扛起政治责任", ["盟委、行署坚持……", "（一）加强组织领导"]),
        NarrativeSection("", ["下一步，……"]),
    ]
    assert unit.sections == [NarrativeSection("", ["自然资源局自己的报告。"])]
    assert nobody.sections == []


@pytest.mark.asyncio
@pytest.mark.parametrize("fmt", [ReportFormat.docx, ReportFormat.md])
async def test_the_report_job_renders_a_progress_report(engine: AsyncEngine, fmt: ReportFormat) -> None:
    sessions = await seed(engine)
    async with sessions() as s:
        job = ReportJob(
            kind=ReportKind.progress_report,
            format=fmt,
            round_id=ROUND_ID,
            as_of=AS_OF,
            org_path=PATHS[LEAGUE],
            requested_by="tester",
        )
        s.add(job)
        await s.commit()
        job_id = job.id
    ctx = {"write_sessions": sessions, "read_sessions": make_sessionmaker(engine, write=False)}
    assert await render_report(ctx, {"report_id": job_id}) == "done"
    async with sessions() as s:
        content = (await s.execute(select(ReportFile.content).where(ReportFile.report_id == job_id))).scalar_one()
        done = await s.get(ReportJob, job_id)
    assert done is not None
    assert done.file_name == f"锡林郭勒盟第二轮中央生态环境保护督察整改落实情况报告（截至2024-12-15）.{fmt.value}"
    if fmt == ReportFormat.docx:
        texts = [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
    else:
        texts = [b.lstrip("# ") for b in content.decode("utf-8").split("\n\n")]
    assert texts[:6] == [
        "锡林郭勒盟第二轮中央生态环境保护督察整改落实情况报告",
        OPENING,
        "一、坚决扛起政治责任",
        "盟委、行署坚持……",
        "（一）加强组织领导",
        "下一步，……",
    ]
    assert texts[6:8] == ["附件", "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况"]
