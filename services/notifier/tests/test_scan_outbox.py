"""The scan's outbox events carry the same document on both databases: PostgreSQL builds it in
the INSERT ... SELECT that writes the events, SQLite in Python (`outbox.payload`). Each event
must describe its escalation as the scan left it, with ids in the order the rows were written."""

from datetime import date

from sqlalchemy import update

from notifier.escalation.outbox import payload
from notifier.escalation.scan import run_scan
from rectify_shared.enums import MeasureStatus
from rectify_shared.models import Measure

from .escalation_data import Ledger, escalations, events

DEADLINE = date(2024, 12, 31)


async def test_created_and_resolved_events_describe_their_escalations(db):
    async with db() as s:
        ledger = await Ledger(s).setup()
        issue = await ledger.issue(1, lead="dept_a", deadline=DEADLINE)
        measure = await ledger.measure(issue, 1, org="dept_b", deadline=DEADLINE)
        await ledger.dispatch("2024-W50", date(2024, 12, 13), {"dept_a": False, "dept_b": True})
        await s.commit()
    first_day = date(2025, 2, 10)
    created = await run_scan(db, first_day)
    assert created.created == 3  # a notice to each unit, a missed report
    rows = {e.id: e for e in await escalations(db)}
    evs = await events(db)
    assert [ev.event_type for ev in evs] == ["escalation.created"] * 3
    assert sorted(ev.aggregate_id for ev in evs) == sorted(rows)
    for ev in evs:
        escalation = rows[ev.aggregate_id]
        assert ev.payload == payload(escalation, as_of=first_day)  # type: ignore[arg-type]
        assert ev.org_path == escalation.org_path and ev.in_feed and ev.aggregate_type == "escalation"
    # ids follow the order the scan wrote the rows in (one INSERT per rule, in key order)
    assert [ev.aggregate_id for ev in evs] == sorted(rows)

    async with db() as s:
        await s.execute(update(Measure).where(Measure.id == measure.id).values(status=MeasureStatus.completed))
        await s.commit()
    second_day = date(2025, 2, 11)
    assert (await run_scan(db, second_day)).resolved == 1  # dept_b's notice: its measure is done
    rows = {e.id: e for e in await escalations(db)}
    resolved = [ev for ev in await events(db) if ev.event_type == "escalation.resolved"]
    assert len(resolved) == 1
    for ev in resolved:
        escalation = rows[ev.aggregate_id]
        assert escalation.state == "resolved" and escalation.trigger["measures"] == [measure.id]
        expected = payload(escalation, as_of=second_day)  # type: ignore[arg-type]
        assert ev.payload == expected and expected["resolved_as_of"] == "2025-02-11" and expected["resolution"]
