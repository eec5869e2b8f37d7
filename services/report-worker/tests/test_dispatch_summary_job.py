"""dispatch_summary jobs: the dispatch round loaded from the database as of the job's day, in
the job's scope; a missing round or a PDF over the page cap fails the job with a clear message."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import OrgKind, ReportKind, ReportState
from rectify_shared.models import DispatchObligation, DispatchRound, Escalation, Org, ReportFile
from report_worker.jobs import render_report

from .ledger_data import (
    AS_OF,
    CHIFENG,
    HOUSING,
    LEAGUE,
    NATURAL_RESOURCES,
    PATHS,
    ROUND_ID,
    add_job,
    job_row,
    seed_ledger,
    worker_context,
)
from .test_dispatch_summary import CUTOFF, TITLE, requires_cjk_font


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def seed_dispatch(engine: AsyncEngine) -> int:
    sessions = make_sessionmaker(engine, write=True)
    await seed_ledger(sessions)
    async with sessions() as s:
        dispatch = DispatchRound(
            round_id=ROUND_ID,
            frequency="weekly",
            period="2024-W50",
            cutoff=CUTOFF,
            org_id=LEAGUE,
            org_path=PATHS[LEAGUE],
            created_by="办公室",
        )
        s.add(dispatch)
        await s.flush()
        assert dispatch.id is not None
        for org, reported in (
            (NATURAL_RESOURCES, "2024-12-13T08:20"),  # on time
            (HOUSING, "2024-12-16T02:00"),  # after the as-of day (10:00 on the 16th in China): missing as of the 15th
            (LEAGUE, "2024-12-14T01:00"),  # late
            (CHIFENG, None),  # another league: outside the job's scope
        ):
            s.add(
                DispatchObligation(
                    dispatch_round_id=dispatch.id,
                    org_id=org,
                    org_path=PATHS[org],
                    reported_at=at(reported) if reported else None,
                )
            )

        def escalation(key: str, org: int, state: str, issued: str | None) -> Escalation:
            return Escalation(
                round_id=ROUND_ID,
                level="warning",
                rule="r1",
                dedupe_key=key,
                dispatch_round_id=dispatch.id,
                addressed_org_id=org,
                org_path=PATHS[org],
                reason="未按期报送调度情况",
                trigger={"kind": "missed_dispatch"},
                state=state,
                as_of=AS_OF,
                issued_at=at(issued) if issued else None,
                doc_no=f"锡整改办预〔2024〕{key}号",
            )

        s.add(escalation("1", HOUSING, "issued", "2024-12-14T01:00"))
        s.add(escalation("2", LEAGUE, "withdrawn", "2024-12-14T01:00"))  # a mistake: not listed
        s.add(escalation("3", LEAGUE, "proposed", None))  # never issued: not listed
        s.add(escalation("4", NATURAL_RESOURCES, "issued", "2024-12-16T03:00"))  # after the as-of day
        s.add(escalation("5", CHIFENG, "issued", "2024-12-14T01:00"))  # outside the scope
        await s.commit()
        return dispatch.id


async def add_summary_job(engine: AsyncEngine, fmt: str, params: dict[str, Any]) -> int:
    return await add_job(make_sessionmaker(engine, write=True), fmt, kind=ReportKind.dispatch_summary, params=params)


@pytest.mark.asyncio
async def test_the_job_loads_the_dispatch_round_as_of_its_day(engine: AsyncEngine) -> None:
    dispatch_id = await seed_dispatch(engine)
    ctx = worker_context(engine)
    report_id = await add_summary_job(engine, "md", {"scope_exact": False, "dispatch_round_id": dispatch_id})
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    job = await job_row(ctx["write_sessions"], report_id)
    assert job.file_name == f"{TITLE}（截至2024-12-15）.md"
    async with ctx["read_sessions"]() as s:
        text = (await s.get(ReportFile, report_id)).content.decode("utf-8")
    assert "本期应报送单位3家，已报送2家（其中逾期报送1家），未报送1家。" in text
    assert "| 1 | 锡林郭勒盟 | 逾期报送 | 2024-12-14 09:00 |" in text
    assert "| 2 | 盟自然资源局 | 按时报送 | 2024-12-13 16:20 |" in text
    assert "| 3 | 盟住房和城乡建设局 | 未报送 |  |" in text
    assert "赤峰市" not in text
    assert "锡整改办预〔2024〕1号" in text
    assert not any(f"〔2024〕{n}号" in text for n in (2, 3, 4, 5))


@pytest.mark.asyncio
async def test_a_dispatch_round_of_another_round_fails_the_job(engine: AsyncEngine) -> None:
    dispatch_id = await seed_dispatch(engine)
    ctx = worker_context(engine)
    report_id = await add_summary_job(engine, "md", {"dispatch_round_id": dispatch_id + 1})
    assert await render_report(ctx, {"report_id": report_id}) == "failed"
    job = await job_row(ctx["write_sessions"], report_id)
    assert job.state == ReportState.failed and "调度轮次不存在" in (job.error or "")


@requires_cjk_font
@pytest.mark.asyncio
async def test_a_pdf_job_over_the_cap_fails_with_advice(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    dispatch_id = await seed_dispatch(engine)
    async with make_sessionmaker(engine, write=True)() as s:
        for org_id in range(100, 160):  # 60 more units under the league: more than a page
            path = f"{PATHS[LEAGUE]}{org_id}/"
            s.add(Org(id=org_id, name=f"第{org_id}苏木", kind=OrgKind.department, parent_id=LEAGUE, path=path, depth=2))
            await s.flush()
            s.add(DispatchObligation(dispatch_round_id=dispatch_id, org_id=org_id, org_path=path))
        await s.commit()
    monkeypatch.setenv("RECTIFY_PDF_MAX_PAGES", "1")
    ctx = worker_context(engine)
    report_id = await add_summary_job(engine, "pdf", {"dispatch_round_id": dispatch_id})
    assert await render_report(ctx, {"report_id": report_id}) == "failed"
    job = await job_row(ctx["write_sessions"], report_id)
    assert job.state == ReportState.failed
    advice = "request xlsx or md instead / 页数超限，请改用xlsx或md"
    expected = rf"PageCapExceeded: PDF would have [2-9] pages \(limit 1\); {advice}"
    assert re.fullmatch(expected, job.error or ""), job.error
