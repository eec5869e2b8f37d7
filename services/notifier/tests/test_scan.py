"""The escalation scan against a real database (SQLite and PostgreSQL): idempotence, the ladder
climbing over successive scans, resolution, dispatch and attestation, per-round policies, the
office's calendar, concurrent scans and scan requests."""

from datetime import date

from sqlalchemy import update

from notifier.escalation.model import RESOLVED_ATTESTED, RESOLVED_DEADLINE_MOVED, RESOLVED_DISPATCH_REPORTED
from notifier.escalation.scan import run_scan
from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.models import DispatchObligation, Escalation, Issue, Measure

from .escalation_data import LEADER, Ledger, at, escalations, events

DEADLINE = date(2024, 12, 31)


async def demo_like(sessions, deadline=DEADLINE):
    """An issue led by dept_a with a measure of dept_b, both due on `deadline`."""
    async with sessions() as s:
        ledger = await Ledger(s).setup()
        issue = await ledger.issue(1, lead="dept_a", deadline=deadline)
        measure = await ledger.measure(issue, 1, org="dept_b", deadline=deadline)
        await s.commit()
    return ledger, issue.id, measure.id


async def test_scanning_twice_creates_nothing_new(db):
    ledger, _, _ = await demo_like(db)
    async with db() as s:
        ledger.s = s
        await ledger.dispatch("2024-W50", date(2024, 12, 13), {"dept_a": False, "dept_b": True})
        await s.commit()
    first = await run_scan(db, date(2025, 2, 10))
    assert first.created == 3  # a notice to each unit (the problem's lead, the measure's unit); one missed report
    rows = await escalations(db)
    assert len(rows) == first.created and len({e.dedupe_key for e in rows}) == len(rows)
    assert len(await events(db)) == first.created
    again = await run_scan(db, date(2025, 2, 10))
    assert (again.created, again.resolved) == (0, 0)
    assert len(await escalations(db)) == len(rows) and len(await events(db)) == len(rows)


async def test_successive_scans_climb_the_default_ladder_one_rung_at_a_time(db):
    ledger, issue_id, measure_id = await demo_like(db)
    dept_a, dept_b = ledger.oid("dept_a"), ledger.oid("dept_b")
    seen: dict[date, list[tuple[str, str, int, object, list[int]]]] = {}

    async def scan(day: date) -> None:
        await run_scan(db, day)
        today = [e for e in await escalations(db) if e.as_of == day]
        seen[day] = [
            (e.level, e.state, e.addressed_org_id, e.addressed_person, e.trigger["measures"])
            for e in sorted(today, key=lambda e: (e.level, e.addressed_org_id))
        ]

    for day in (date(2024, 12, 23), date(2024, 12, 24), date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 7),
                date(2025, 1, 8), date(2025, 1, 9)):  # fmt: skip
        await scan(day)
    assert seen[date(2024, 12, 23)] == []  # six working days left
    assert seen[date(2024, 12, 24)] == [
        ("warning", "issued", dept_a, None, []),
        ("warning", "issued", dept_b, None, [measure_id]),
    ]
    assert seen[date(2024, 12, 31)] == []
    assert seen[date(2025, 1, 1)] == [
        ("notice", "issued", dept_a, None, []),
        ("notice", "issued", dept_b, None, [measure_id]),
    ]
    assert seen[date(2025, 1, 7)] == []  # four working days since the notice
    assert seen[
        date(2025, 1, 8)
    ] == [  # five working days without an answer: 督办, to the unit, for the office to issue
        ("supervision", "proposed", dept_a, None, []),
        ("supervision", "proposed", dept_b, None, [measure_id]),
    ]
    assert seen[date(2025, 1, 9)] == []
    # 约谈 climbs only from an issued 督办: the office issues dept_a's on Jan 9; dept_b's stays proposed
    async with db() as s:
        await s.execute(
            update(Escalation)
            .where(Escalation.level == "supervision", Escalation.addressed_org_id == dept_a)
            .values(state="issued", issued_on=date(2025, 1, 9))
        )
        await s.commit()
    for day in (date(2025, 1, 15), date(2025, 1, 16), date(2025, 3, 3)):
        await scan(day)
    assert seen[date(2025, 1, 15)] == []
    assert seen[date(2025, 1, 16)] == [("summons", "proposed", dept_a, LEADER, [])]
    assert seen[date(2025, 3, 3)] == []
    rows = await escalations(db)
    assert all(e.issue_id == issue_id and e.measure_id is None for e in rows)
    assert len({(e.level, e.addressed_org_id) for e in rows}) == len(rows)  # one letter per unit and level
    issued = [e for e in rows if e.issued_by == "notifier"]
    assert issued and all(e.issued_on == e.as_of for e in issued)
    assert all(e.issued_at is None for e in rows if e.state == "proposed")
    created = [ev for ev in await events(db) if ev.event_type == "escalation.created"]
    assert sorted(ev.aggregate_id for ev in created) == sorted(e.id for e in rows)
    ev = next(ev for ev in created if ev.payload["level"] == "summons")
    assert ev.in_feed and ev.aggregate_type == "escalation" and ev.org_path == ledger.orgs["dept_a"].path
    assert ev.payload["reason"] == "整改任务已超过完成时限（2024-12-31）仍未完成"
    assert ev.payload["as_of"] == "2025-01-16" and ev.payload["addressed_org_id"] == dept_a


async def test_a_response_stops_the_climb(db):
    ledger, _, _ = await demo_like(db)
    await run_scan(db, date(2025, 1, 1))
    async with db() as s:
        await s.execute(update(Escalation).where(Escalation.addressed_org_id == ledger.oid("dept_b")).values(
            state="responded", response="已整改"))  # fmt: skip
        await s.commit()
    await run_scan(db, date(2025, 1, 8))
    climbed = [e for e in await escalations(db) if e.level == "supervision"]
    assert [e.addressed_org_id for e in climbed] == [ledger.oid("dept_a")]


async def test_completing_the_task_resolves_its_escalations_for_good(db):
    _, issue_id, measure_id = await demo_like(db)
    await run_scan(db, date(2025, 1, 2))
    assert {e.level for e in await escalations(db)} == {"notice"}
    async with db() as s:
        await s.execute(update(Measure).where(Measure.id == measure_id).values(status=MeasureStatus.completed))
        await s.commit()
    result = await run_scan(db, date(2025, 1, 3))
    assert (result.created, result.resolved) == (0, 1)
    async with db() as s:
        await s.execute(update(Issue).where(Issue.id == issue_id).values(status=IssueStatus.completed))
        await s.commit()
    assert (await run_scan(db, date(2025, 1, 6))).resolved == 1
    rows = await escalations(db)
    assert all(e.state == "resolved" and e.resolved_at is not None and "已完成" in (e.resolution or "") for e in rows)
    resolved = [ev for ev in await events(db) if ev.event_type == "escalation.resolved"]
    assert sorted(ev.aggregate_id for ev in resolved) == sorted(e.id for e in rows)
    assert all(ev.payload["state"] == "resolved" and ev.payload["resolution"] for ev in resolved)
    # the finished work never comes back, however late the scan
    assert (await run_scan(db, date(2025, 3, 3))).created == 0
    assert len(await escalations(db)) == 2


async def test_an_extension_resolves_the_old_period_and_the_new_one_can_fire(db):
    _, issue_id, measure_id = await demo_like(db)
    await run_scan(db, date(2025, 1, 2))
    async with db() as s:  # the measure alone is given more time: its unit is not overdue any more
        await s.execute(update(Measure).where(Measure.id == measure_id).values(deadline=date(2025, 3, 31)))
        await s.commit()
    assert (await run_scan(db, date(2025, 1, 3))).resolved == 1
    (moved,) = [e for e in await escalations(db) if e.trigger["measures"] == [measure_id]]
    assert (moved.state, moved.resolution) == ("resolved", RESOLVED_DEADLINE_MOVED)
    async with db() as s:  # the problem's deadline moves: a new period, its ladder starts again
        await s.execute(update(Issue).where(Issue.id == issue_id).values(deadline=date(2025, 3, 31)))
        await s.commit()
    assert (await run_scan(db, date(2025, 1, 6))).resolved == 1
    await run_scan(db, date(2025, 3, 25))
    keys = {e.dedupe_key for e in await escalations(db)}
    assert {k for k in keys if k.endswith("2025-03-31")} == {
        f"letter:warning:i{issue_id}:o{o}:2025-03-31" for o in {moved.addressed_org_id, moved.addressed_org_id - 1}
    }


async def test_missed_dispatches_warn_twice_then_notice_and_a_report_resolves_its_warning(db):
    async with db() as s:
        ledger = await Ledger(s).setup()
        w50 = await ledger.dispatch("2024-W50", date(2024, 12, 13), {"dept_a": False, "dept_b": True})
        await ledger.dispatch("2024-W51", date(2024, 12, 20), {"dept_a": False, "dept_b": True})
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 20))).created == 1  # W51's cutoff day is not over yet
    assert (await run_scan(db, date(2024, 12, 23))).created == 2
    rows = await escalations(db)
    assert sorted((e.level, e.state, e.addressed_org_id) for e in rows) == [
        ("notice", "issued", ledger.oid("dept_a")),  # two warnings in 20 working days: 通报, to the unit itself
        ("warning", "issued", ledger.oid("dept_a")),
        ("warning", "issued", ledger.oid("dept_a")),
    ]
    assert all(e.org_path == ledger.orgs["dept_a"].path for e in rows)
    async with db() as s:
        await s.execute(
            update(DispatchObligation)
            .where(DispatchObligation.dispatch_round_id == w50)
            .values(reported_at=at(date(2024, 12, 23)))
        )
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 24))).resolved == 1
    (done,) = [e for e in await escalations(db) if e.dispatch_round_id == w50]
    assert (done.state, done.resolution) == ("resolved", RESOLVED_DISPATCH_REPORTED)


async def test_a_long_term_task_is_warned_per_period_until_it_reports(db):
    async with db() as s:
        ledger = await Ledger(s).setup()
        issue = await ledger.issue(1, status=IssueStatus.completed_long_term, attestation_cycle="monthly")
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 2))).created == 1
    async with db() as s:
        ledger.s = s
        await ledger.progress(issue, date(2024, 12, 3))
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 4))).resolved == 1
    (e,) = await escalations(db)
    assert (e.dedupe_key, e.resolution) == (f"warn-missed-attestation:i{issue.id}:2024-11", RESOLVED_ATTESTED)
    assert (await run_scan(db, date(2025, 1, 2))).created == 0  # December has its report
    assert (await run_scan(db, date(2025, 2, 3))).created == 1  # January has none


async def test_the_office_calendar_replaces_the_package_year(db):
    async with db() as s:
        ledger = await Ledger(s).setup()
        await ledger.issue(1, deadline=DEADLINE)
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 20))).created == 0
    async with db() as s:
        ledger.s = s  # the office declares Dec 26–27 holidays: five working days are left on the 20th
        await ledger.office_year(2024, {date(2024, 12, 26): "假", date(2024, 12, 27): "假"}, {})
        await s.commit()
    assert (await run_scan(db, date(2024, 12, 20))).created == 1
    (w,) = await escalations(db)
    assert w.reason == "整改任务距完成时限（2024-12-31）仅剩5个工作日"
    assert w.response_due == date(2024, 12, 31)  # 23, 24, 25, 30, 31


async def test_each_round_follows_its_own_policy(db):
    early = {"rules": [{"id": "early", "level": "warning", "trigger": {"kind": "before_deadline", "working_days": 20}}]}
    async with db() as s:
        ledger = await Ledger(s).setup()
        custom = await ledger.add_round(early)
        broken = await ledger.add_round({"rules": []})  # never valid: the round is skipped, not the scan
        default_issue = await ledger.issue(1, deadline=DEADLINE)
        custom_issue = await ledger.issue(1, deadline=DEADLINE, round_id=custom)
        await ledger.issue(1, deadline=DEADLINE, round_id=broken)
        await s.commit()
    await run_scan(db, date(2024, 12, 2))  # 21 working days left
    assert await escalations(db) == []
    await run_scan(db, date(2024, 12, 3))
    assert [(e.issue_id, e.rule) for e in await escalations(db)] == [(custom_issue.id, "early")]
    await run_scan(db, date(2025, 1, 2))
    rules = sorted((e.issue_id, e.rule) for e in await escalations(db))
    assert rules == sorted([(custom_issue.id, "early"), (default_issue.id, "notice-overdue")])


async def test_a_scan_whose_worker_died_is_run_again_by_the_sweeper(db_url):
    """The database, not Redis, knows what is owed: a request stuck `running` is picked up."""
    from datetime import date as _date
    from datetime import timedelta as _td

    from notifier.scan_jobs import sweep_scan_requests
    from rectify_shared.db import make_engine as _make_engine
    from rectify_shared.db import make_sessionmaker as _make_sessionmaker
    from rectify_shared.models import ScanRequest as _ScanRequest
    from rectify_shared.models.types import utcnow as _utcnow

    engine = _make_engine(db_url)
    sessions = _make_sessionmaker(engine)
    try:
        async with sessions() as s:
            stale = _ScanRequest(
                as_of=_date(2025, 1, 6),
                state="running",
                requested_by="t",
                requested_at=_utcnow() - _td(minutes=30),
                started_at=_utcnow() - _td(minutes=11),
            )
            fresh = _ScanRequest(
                as_of=_date(2025, 1, 6), state="running", requested_by="t", requested_at=_utcnow(), started_at=_utcnow()
            )
            s.add_all([stale, fresh])
            await s.commit()
            stale_id, fresh_id = stale.id, fresh.id
        assert await sweep_scan_requests({"write_sessions": sessions, "read_sessions": sessions}) == 1
        async with sessions() as s:
            assert (await s.get(_ScanRequest, stale_id)).state == "done"
            assert (await s.get(_ScanRequest, fresh_id)).state == "running"  # still in its worker's hands
    finally:
        await engine.dispose()
