"""Scans running at once (two notifier replicas) and scans requested through the API."""

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select, update

from notifier.escalation import scan as scan_module
from notifier.escalation.scan import run_scan
from notifier.escalation.scan_requests import run_scan_request
from rectify_shared.enums import MeasureStatus
from rectify_shared.models import Escalation, Measure, OutboxEvent, ScanRequest

from .escalation_data import Ledger, engine_and_sessions, escalations, events


async def many_overdue(sessions, n: int) -> None:
    async with sessions() as s:
        ledger = await Ledger(s).setup()
        for seq in range(1, n + 1):
            issue = await ledger.issue(seq, deadline=date(2024, 11, 29))
            for pos, org in enumerate(("dept_a", "dept_b", "county"), 1):
                await ledger.measure(issue, pos, org=org, deadline=date(2024, 11, 29))
        await ledger.dispatch("2024-W50", date(2024, 12, 13), {k: False for k in ("dept_a", "dept_b", "county")})
        await s.commit()


@pytest.mark.postgres
async def test_concurrent_scans_create_and_resolve_each_escalation_once(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: concurrency is PostgreSQL's question")
    engines = [engine_and_sessions(db_url) for _ in range(3)]
    try:
        sessions = [s for _, s in engines]
        await many_overdue(sessions[0], 40)
        created = 0
        for day in (date(2024, 12, 16), date(2025, 1, 6), date(2025, 2, 6)):
            results = await asyncio.gather(*(run_scan(s, day) for s in sessions))
            created += sum(r.created for r in results)
            rows = await escalations(sessions[0])
            assert created == len(rows)
            assert len({e.dedupe_key for e in rows}) == len(rows)
        # per problem a letter to each of its 3 units: notice, then supervision (约谈 waits for it to be
        # issued); 3 missed reports
        assert len(rows) == 40 * 3 * 2 + 3
        async with sessions[0]() as s:
            await s.execute(update(Measure).values(status=MeasureStatus.completed))
            await s.commit()
        results = await asyncio.gather(*(run_scan(s, date(2025, 2, 7)) for s in sessions))
        # the two units that owed only measures are done; the lead unit still owes the problem itself
        assert sum(r.resolved for r in results) == 40 * 2 * 2
        resolved_events = [ev for ev in await events(sessions[0]) if ev.event_type == "escalation.resolved"]
        assert len(resolved_events) == len({ev.aggregate_id for ev in resolved_events}) == 40 * 2 * 2
        created_events = [ev for ev in await events(sessions[0]) if ev.event_type == "escalation.created"]
        assert sorted(ev.aggregate_id for ev in created_events) == sorted(e.id for e in rows)
    finally:
        for engine, _ in engines:
            await engine.dispose()


async def test_a_scan_request_runs_once_and_records_its_outcome(db_url):
    engine, sessions = engine_and_sessions(db_url)
    try:
        await many_overdue(sessions, 2)
        async with sessions() as s:
            request_id = await Ledger(s).scan_request(date(2024, 12, 16))
            await s.commit()
        result = await run_scan_request(sessions, request_id)
        assert result is not None and result.created == 2 * 3 + 3  # a notice per problem and unit, 3 misses
        assert await run_scan_request(sessions, request_id) is None  # a repeated job finds it done
        assert await run_scan_request(sessions, 999_999) is None
        async with sessions() as s:
            req = (await s.execute(select(ScanRequest).where(ScanRequest.id == request_id))).scalar_one()
        assert (req.state, req.created, req.resolved, req.error) == ("done", result.created, 0, None)
        assert req.started_at is not None and req.finished_at is not None
    finally:
        await engine.dispose()


async def test_a_failed_scan_request_is_recorded_and_writes_nothing(db_url, monkeypatch):
    engine, sessions = engine_and_sessions(db_url)
    real_scan = scan_module.scan

    async def broken(session, as_of, **kw):
        await real_scan(session, as_of, **kw)  # writes, then fails: nothing may stay
        raise RuntimeError("disk on fire")

    try:
        await many_overdue(sessions, 1)
        async with sessions() as s:
            request_id = await Ledger(s).scan_request(date(2024, 12, 16))
            await s.commit()
        monkeypatch.setattr(scan_module, "scan", broken)
        assert await run_scan_request(sessions, request_id) is None
        async with sessions() as s:
            req = (await s.execute(select(ScanRequest).where(ScanRequest.id == request_id))).scalar_one()
            assert (req.state, req.error) == ("failed", "RuntimeError: disk on fire")
            assert (await s.execute(select(func.count()).select_from(Escalation))).scalar_one() == 0
            assert (await s.execute(select(func.count()).select_from(OutboxEvent))).scalar_one() == 0
    finally:
        await engine.dispose()
