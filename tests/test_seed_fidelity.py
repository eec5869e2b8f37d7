"""The demo data reproduces the seed report's attachment, 具体问题整改进展情况, word for word.

Demo data (issues-api) → ledger snapshot and Markdown (report-worker) → the seed's own text,
compared after normalising whitespace and Markdown markers only.
"""

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.models import InspectionRound, ReportFile, ReportJob
from report_worker.jobs import render_report

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_945860472d90bfb6.txt"
TITLE = "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况"


def lines(text: str) -> list[str]:
    return [re.sub(r"\s+", "", line) for line in text.splitlines() if line.strip()]


@pytest.mark.skipif(not SEED.exists(), reason="the team kit's seed is not beside this checkout")
async def test_issue_progress_markdown_reproduces_the_seed(app, demo_round):
    seed = SEED.read_text(encoding="utf-8")
    expected = lines(seed[seed.index(TITLE) :])
    state = app.state.rectify
    async with state.write_sessions() as s:
        office_path = (
            await s.execute(select(InspectionRound.org_path).where(InspectionRound.id == demo_round))
        ).scalar_one()
        job = ReportJob(
            kind=ReportKind.ledger,
            format=ReportFormat.md,
            round_id=demo_round,
            as_of=date(2024, 12, 15),
            org_path=office_path,
            requested_by="test",
        )
        s.add(job)
        await s.commit()
        job_id = job.id
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": job_id}) == "done"
    async with state.read_sessions() as s:
        content = (await s.execute(select(ReportFile.content).where(ReportFile.report_id == job_id))).scalar_one()
    rendered = [re.sub(r"^#+", "", line) for line in lines(content.decode("utf-8"))]
    rendered = [line for line in rendered if not line.startswith("数据截至")]
    assert rendered == expected
