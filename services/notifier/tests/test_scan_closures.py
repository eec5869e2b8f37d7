"""Closures feed the ladder: a closure step (the lead unit's review, an acceptance level) left
pending past its due date escalates to the org holding it, climbs with the policy's after-deadline
rules, and is resolved once the step is done."""

from datetime import date

from sqlalchemy import update

from notifier.escalation.closure_source import RESOLVED_STEP_DONE
from notifier.escalation.scan import run_scan
from rectify_shared.enums import IssueStatus
from rectify_shared.models import Closure

from .escalation_data import Ledger, escalations, events

STEP_DUE = date(2025, 1, 10)  # a Friday


async def closure_in(sessions, state: str, accepted_levels: int = 0, due: date = STEP_DUE, applicant: str = "dept_a"):
    """A completed task led by the county (no deadline of its own), applied for by a responsible
    department, under acceptance county → league (the county leaves its own level out when it applied)."""
    async with sessions() as s:
        ledger = await Ledger(s).setup()
        issue = await ledger.issue(1, lead="county", status=IssueStatus.completed, deadline=None)
        levels = [
            {"kind": "county", "org_id": ledger.oid("county"), "org_name": "county"},
            {"kind": "league", "org_id": ledger.oid("league"), "org_name": "league"},
        ][1 if applicant == "county" else 0 :]
        closure = Closure(
            issue_id=issue.id or 0, round_id=ledger.round_id, org_path=issue.org_path,
            applicant_org_id=ledger.oid(applicant), state=state, statement="已完成", levels=levels,
            accepted_levels=accepted_levels, step_due=due, applied_by="county",
        )  # fmt: skip
        s.add(closure)
        await s.commit()
        return ledger, issue.id, closure.id


async def test_an_acceptance_left_pending_escalates_to_its_level_and_climbs(db):
    ledger, issue_id, closure_id = await closure_in(db, "accepting", accepted_levels=1)
    league, region = ledger.oid("league"), ledger.oid("region")
    assert (await run_scan(db, STEP_DUE)).created == 0  # due today: not late yet
    assert (await run_scan(db, date(2025, 1, 13))).created == 1
    [notice] = await escalations(db)
    assert (notice.level, notice.state, notice.addressed_org_id) == ("notice", "issued", league)
    assert (notice.closure_id, notice.issue_id, notice.measure_id) == (closure_id, issue_id, None)
    assert "第2级验收（league）" in notice.reason and "2025-01-10" in notice.reason
    # the task itself is completed and has no deadline: its own causes do not resolve the step's escalation
    again = await run_scan(db, date(2025, 1, 14))
    assert (again.created, again.resolved) == (0, 0)
    # 5 working days after the notice, unanswered: 督办 to the same level, for the office to issue
    assert (await run_scan(db, date(2025, 1, 17))).created == 0
    assert (await run_scan(db, date(2025, 1, 20))).created == 1
    supervision = next(e for e in await escalations(db) if e.level == "supervision")
    assert (supervision.state, supervision.addressed_org_id, supervision.closure_id) == ("proposed", league, closure_id)
    assert region not in {e.addressed_org_id for e in await escalations(db)}
    created = [ev for ev in await events(db) if ev.event_type == "escalation.created"]
    assert len(created) == 2


async def test_the_step_done_resolves_its_escalations_and_the_next_step_has_its_own(db):
    ledger, _, closure_id = await closure_in(db, "applied")
    await run_scan(db, date(2025, 1, 13))
    [review] = await escalations(db)
    assert review.addressed_org_id == ledger.oid("county") and "牵头单位审核（county）" in review.reason
    async with db() as s:  # the lead unit reviews: the first acceptance level is now due
        await s.execute(
            update(Closure).where(Closure.id == closure_id).values(state="accepting", step_due=date(2025, 1, 24))
        )
        await s.commit()
    result = await run_scan(db, date(2025, 1, 14))
    assert (result.created, result.resolved) == (0, 1)
    [resolved] = await escalations(db)
    assert resolved.state == "resolved" and resolved.resolution == RESOLVED_STEP_DONE
    assert any(ev.event_type == "escalation.resolved" and ev.aggregate_id == resolved.id for ev in await events(db))
    # the acceptance level left pending in turn: a new escalation, keyed by the new step
    assert (await run_scan(db, date(2025, 1, 27))).created == 1
    async with db() as s:  # rejected back to the unit: nothing is owed by the level any more
        await s.execute(update(Closure).where(Closure.id == closure_id).values(state="rejected", step_due=None))
        await s.commit()
    assert (await run_scan(db, date(2025, 1, 28))).resolved == 1
    assert all(e.state == "resolved" for e in await escalations(db))
    assert (await run_scan(db, date(2025, 3, 3))).created == 0


async def test_when_the_lead_unit_applied_itself_its_review_is_owed_by_the_first_acceptor(db):
    """The applicant never reviews its own application: the pending review is the league's, not the county's."""
    ledger, _, closure_id = await closure_in(db, "applied", applicant="county")
    assert (await run_scan(db, date(2025, 1, 13))).created == 1
    [review] = await escalations(db)
    assert (review.addressed_org_id, review.closure_id) == (ledger.oid("league"), closure_id)
