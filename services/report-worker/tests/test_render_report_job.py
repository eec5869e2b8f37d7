"""render_report: claims once, renders, stores the file with its hash; safe to deliver twice."""

import asyncio
import hashlib
import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
import pytest_asyncio
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import ReportKind, ReportState
from rectify_shared.models import ReportFile, ReportJob
from rectify_shared.models.types import utcnow
from report_worker.jobs import claim, complete, render_report

from .ledger_data import add_job, job_row, seed_ledger


@pytest_asyncio.fixture
async def ctx(engine: AsyncEngine) -> dict[str, Any]:
    context = {
        "write_sessions": make_sessionmaker(engine, write=True),
        "read_sessions": make_sessionmaker(engine, write=False),
    }
    await seed_ledger(context["write_sessions"])
    return context


async def stored_files(ctx: dict[str, Any], report_id: int) -> list[bytes]:
    async with ctx["read_sessions"]() as s:
        rows = await s.exec(select(ReportFile.content).where(ReportFile.report_id == report_id))  # type: ignore[call-overload]
        return list(rows.scalars().all())


async def set_job(ctx: dict[str, Any], report_id: int, **values: Any) -> None:
    async with ctx["write_sessions"]() as s:
        await s.exec(update(ReportJob).where(ReportJob.id == report_id).values(**values))  # type: ignore[arg-type]
        await s.commit()


@pytest.mark.asyncio
async def test_markdown_report_is_rendered_once(ctx: dict[str, Any]) -> None:
    report_id = await add_job(ctx["write_sessions"], "md")
    assert await render_report(ctx, {"report_id": report_id}) == "done"

    job = await job_row(ctx["write_sessions"], report_id)
    [content] = await stored_files(ctx, report_id)
    assert job.state == ReportState.done and job.attempts == 1 and job.error is None
    assert job.started_at is not None and job.finished_at is not None and job.finished_at >= job.started_at
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    assert job.size_bytes == len(content)
    assert job.file_name == "锡林郭勒盟督察整改台账（截至2024-12-15）.md"
    text = content.decode("utf-8")
    assert text.startswith("# 锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况\n")
    assert "1.第1个问题的描述。\n\n整改进展情况：正在推进\n\n（一）措施甲。\n\n措施乙。\n\n（四）措施戊。" in text
    assert "第3个问题" not in text and text.endswith("数据截至 2024年12月15日\n")

    # delivered again (arq retry, the sweep, a duplicate enqueue): nothing happens
    assert await render_report(ctx, {"report_id": report_id}) == "skipped"
    again = await job_row(ctx["write_sessions"], report_id)
    assert again.attempts == 1 and again.finished_at == job.finished_at and again.sha256 == job.sha256
    assert len(await stored_files(ctx, report_id)) == 1


@pytest.mark.asyncio
async def test_xlsx_report(ctx: dict[str, Any]) -> None:
    report_id = await add_job(ctx["write_sessions"], "xlsx")
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    job = await job_row(ctx["write_sessions"], report_id)
    [content] = await stored_files(ctx, report_id)
    assert job.file_name == "锡林郭勒盟督察整改台账（截至2024-12-15）.xlsx"
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    ws = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    # issue 1 has three measures as of the day: its issue columns span rows 3-5
    assert "A3:A5" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws[f"A{row}"].value for row in (3, 6, 7, 8)] == [1, 5, 2, 7]


@pytest.mark.asyncio
async def test_two_deliveries_at_once_render_once(ctx: dict[str, Any]) -> None:
    report_id = await add_job(ctx["write_sessions"], "md")
    results = await asyncio.gather(*(render_report(ctx, {"report_id": report_id}) for _ in range(3)))
    assert sorted(results) == ["done", "skipped", "skipped"]
    assert (await job_row(ctx["write_sessions"], report_id)).attempts == 1
    assert len(await stored_files(ctx, report_id)) == 1


@pytest.mark.asyncio
async def test_a_run_whose_worker_died_is_taken_over_only_when_stale(ctx: dict[str, Any]) -> None:
    report_id = await add_job(ctx["write_sessions"], "md")
    await set_job(ctx, report_id, state=ReportState.running, attempts=1, started_at=utcnow() - timedelta(minutes=2))
    assert await render_report(ctx, {"report_id": report_id}) == "skipped"  # someone is rendering it
    assert (await job_row(ctx["write_sessions"], report_id)).state == ReportState.running

    await set_job(ctx, report_id, started_at=utcnow() - timedelta(minutes=11))
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    job = await job_row(ctx["write_sessions"], report_id)
    assert job.state == ReportState.done and job.attempts == 2


@pytest.mark.asyncio
async def test_a_superseded_run_cannot_overwrite_its_successor(ctx: dict[str, Any]) -> None:
    report_id = await add_job(ctx["write_sessions"], "md")
    slow = await claim(ctx["write_sessions"], report_id)
    assert slow is not None and slow.attempts == 1
    await set_job(ctx, report_id, started_at=utcnow() - timedelta(minutes=11))
    successor = await claim(ctx["write_sessions"], report_id)
    assert successor is not None and successor.attempts == 2

    assert await complete(ctx["write_sessions"], slow, b"old", "old.md") is False
    assert await complete(ctx["write_sessions"], successor, b"new", "new.md") is True
    assert await stored_files(ctx, report_id) == [b"new"]
    assert (await job_row(ctx["write_sessions"], report_id)).file_name == "new.md"


@pytest.mark.asyncio
async def test_failure_is_recorded_briefly_and_is_final(ctx: dict[str, Any]) -> None:
    report_id = await add_job(ctx["write_sessions"], "xlsx", kind=ReportKind.issue_progress)  # no renderer for it
    assert await render_report(ctx, {"report_id": report_id}) == "failed"
    job = await job_row(ctx["write_sessions"], report_id)
    assert job.state == ReportState.failed and job.finished_at is not None
    assert job.error is not None and job.error.startswith("ValueError: ") and "xlsx" in job.error
    assert "\n" not in job.error and "Traceback" not in job.error
    assert job.sha256 is None and await stored_files(ctx, report_id) == []
    assert await render_report(ctx, {"report_id": report_id}) == "skipped"


@pytest.mark.asyncio
async def test_unknown_report_is_skipped(ctx: dict[str, Any]) -> None:
    assert await render_report(ctx, {"report_id": 424242}) == "skipped"
    async with ctx["read_sessions"]() as s:
        assert (await s.exec(select(func.count()).select_from(ReportJob))).one()[0] == 0  # type: ignore[call-overload]
