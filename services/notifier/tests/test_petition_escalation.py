"""Overdue petition cases on the escalation ladder (SQLite and PostgreSQL): an open case past its
due date climbs the after-deadline rules like a task, the scan agrees with the pure definition,
and a case leaving `in_progress` (or getting a new due date) resolves its escalations."""

from datetime import date

from sqlalchemy import select, true, update

from notifier.escalation.petition_source import (
    RESOLVED_CASE_HANDLED,
    RESOLVED_DUE_MOVED,
    PetitionItem,
    petition_rule,
)
from notifier.escalation.scan import run_scan
from notifier.escalation.state import load_escalations
from rectify_shared.enums import PetitionState
from rectify_shared.escalation_policy import DEFAULT_POLICY
from rectify_shared.models import Org, PetitionBatch, PetitionCase
from rectify_shared.workcalendar import WorkCalendar

from .escalation_data import Ledger, escalations, events

DUE = date(2024, 12, 31)


async def with_cases(sessions, *, responsible: str | None = "dept_a") -> tuple[Ledger, int, int]:
    """An open case of the county (responsible: dept_a) and a closed one, both due on DUE."""
    async with sessions() as s:
        ledger = await Ledger(s).setup()
        batch = PetitionBatch(
            round_id=ledger.round_id, batch_no=1, transferred_at=date(2024, 12, 20), org_path="/x/", created_by="t"
        )
        s.add(batch)
        await s.flush()
        ids = []
        for n, state in enumerate((PetitionState.in_progress, PetitionState.closed)):
            case = PetitionCase(
                round_id=ledger.round_id, batch_id=batch.id, intake_no=f"D3NM20241220000{n}", content="反映扬尘。",
                locality_org_id=ledger.oid("county"), locality_path=ledger.orgs["county"].path,
                responsible_org_id=ledger.oid(responsible) if responsible else None,
                responsible_path=ledger.orgs[responsible].path if responsible else None,
                due_date=DUE, state=state,
            )  # fmt: skip
            s.add(case)
            await s.flush()
            ids.append(case.id)
        await s.commit()
    return ledger, ids[0], ids[1]


async def test_an_overdue_open_case_climbs_the_ladder(db):
    ledger, open_id, _ = await with_cases(db)
    assert (await run_scan(db, DUE)).created == 0  # due today: not yet overdue
    for day in (date(2025, 1, 1), date(2025, 1, 15), date(2025, 2, 5)):
        await run_scan(db, day)
    rows = [e for e in await escalations(db) if e.petition_case_id is not None]
    assert all(e.petition_case_id == open_id for e in rows)  # the closed case never fires
    seen = sorted((e.as_of, e.level, e.state, e.addressed_org_id) for e in rows)
    assert seen == [
        (date(2025, 1, 1), "notice", "issued", ledger.oid("dept_a")),
        (date(2025, 1, 15), "supervision", "proposed", ledger.oid("dept_a")),  # 5 working days after the notice
    ]  # 约谈 waits for the office to issue the 督办
    notice = next(e for e in rows if e.level == "notice")
    assert notice.reason == "信访举报件（受理编号D3NM202412200000）已超过办理时限（2024-12-31）仍未办结"
    assert notice.org_path == ledger.orgs["dept_a"].path
    assert notice.dedupe_key == f"notice-overdue:p{open_id}:2024-12-31"
    assert all(e.issue_id is None and e.measure_id is None for e in rows)
    created = [ev for ev in await events(db) if ev.event_type == "escalation.created"]
    assert {ev.payload["petition_case_id"] for ev in created} == {open_id}
    # idempotent, like every scan
    assert (await run_scan(db, date(2025, 2, 5))).created == 0


async def test_the_scan_agrees_with_the_pure_rule(db):
    ledger, open_id, _ = await with_cases(db, responsible=None)  # addressed to the locality
    as_of = date(2025, 1, 15)
    await run_scan(db, as_of)
    async with db() as s:
        county = await s.get(Org, ledger.oid("county"))
        cases = (await s.execute(select(PetitionCase))).scalars().all()
    assert county is not None
    items = [
        PetitionItem(c.id or 0, c.round_id, c.intake_no, c.due_date, c.state, county.id or 0, county.parent_id,
                     county.path)
        for c in cases
    ]  # fmt: skip
    calendar = WorkCalendar({})
    pure = {p.dedupe_key: (p.level, p.reason, p.addressed_org_id) for r in DEFAULT_POLICY.rules
            for p in petition_rule(r, items, calendar, as_of)}  # fmt: skip
    stored = {e.dedupe_key: (e.level, e.reason, e.addressed_org_id) for e in await escalations(db)}
    assert pure == stored and len(stored) == 1  # notice; 督办 only climbs from it in a later scan
    later = date(2025, 1, 22)
    await run_scan(db, later)
    async with db() as s:
        past = await load_escalations(s, true())
    pure = {p.dedupe_key: (p.level, p.reason, p.addressed_org_id) for r in DEFAULT_POLICY.rules
            for p in petition_rule(r, items, calendar, later, past)}  # fmt: skip
    stored = {e.dedupe_key: (e.level, e.reason, e.addressed_org_id) for e in await escalations(db)}
    assert pure == stored and len(stored) == 2
    assert stored[f"supervise-5wd-after-notice:p{open_id}:2024-12-31"][2] == ledger.oid("county")


async def test_a_case_leaving_in_progress_or_getting_a_new_due_date_resolves(db):
    _, open_id, _ = await with_cases(db)
    await run_scan(db, date(2025, 1, 15))
    async with db() as s:
        await s.execute(update(PetitionCase).where(PetitionCase.id == open_id).values(due_date=date(2025, 3, 31)))
        await s.commit()
    assert (await run_scan(db, date(2025, 1, 16))).resolved == 1  # the notice (one scan: no 督办 yet)
    assert {e.resolution for e in await escalations(db)} == {RESOLVED_DUE_MOVED}
    await run_scan(db, date(2025, 4, 1))  # overdue again on the new date
    async with db() as s:
        await s.execute(
            update(PetitionCase).where(PetitionCase.id == open_id).values(state=PetitionState.closed_in_stage)
        )
        await s.commit()
    result = await run_scan(db, date(2025, 4, 2))
    assert (result.created, result.resolved) == (0, 1)
    rows = await escalations(db)
    assert all(e.state == "resolved" for e in rows)
    assert [e.resolution for e in rows if e.as_of == date(2025, 4, 1)] == [RESOLVED_CASE_HANDLED]
    resolved = [ev for ev in await events(db) if ev.event_type == "escalation.resolved"]
    assert len(resolved) == 2 and all(ev.payload["petition_case_id"] == open_id for ev in resolved)
    assert (await run_scan(db, date(2025, 6, 2))).created == 0  # handled cases never fire again
