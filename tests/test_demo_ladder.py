"""The demo ledger, scanned day after day, climbs the default ladder one rung at a time: 预警
before the deadline, 通报 after it, 督办 five working days after an unanswered 通报, 约谈 five
working days after the office issued the 督办."""

from datetime import timedelta

from sqlalchemy import select, update

from notifier.escalation.scan import run_scan
from rectify_shared.models import Escalation, Issue
from rectify_shared.workcalendar import WorkCalendar, package_years


async def test_the_demo_ladder_level_by_level(app, demo_round):
    sessions = app.state.rectify.write_sessions
    async with sessions() as s:
        issue = (await s.execute(select(Issue).where(Issue.round_id == demo_round, Issue.seq == 9))).scalar_one()
    deadline = issue.deadline
    assert issue.status == "in_progress" and deadline is not None
    cal = WorkCalendar(package_years())
    overdue = deadline + timedelta(days=1)
    supervise = cal.nth_workday_after(overdue, 5).day
    days = {
        "before": cal.nth_workday_back(deadline, 5).day,  # 5 working days left → 预警
        "overdue": overdue,  # the day after → 通报
        "5wd": supervise,  # unanswered for 5 working days → 督办 (proposed, to the lead unit)
        "issued+5wd": cal.nth_workday_after(supervise, 5).day,  # the 督办 issued that day → 约谈 (proposed)
    }

    async def levels_of_issue() -> list[tuple[str, str]]:
        async with sessions() as s:
            rows = (
                await s.execute(
                    select(Escalation.level, Escalation.state)
                    .where(Escalation.issue_id == issue.id, Escalation.addressed_org_id == issue.lead_org_id)
                    .order_by(Escalation.id)
                )
            ).all()
        return [(r[0], r[1]) for r in rows]

    expected = [
        [("warning", "issued")],
        [("warning", "issued"), ("notice", "issued")],
        [("warning", "issued"), ("notice", "issued"), ("supervision", "proposed")],
        [("warning", "issued"), ("notice", "issued"), ("supervision", "issued"), ("summons", "proposed")],
    ]
    for as_of, want in zip(days.values(), expected, strict=True):
        await run_scan(sessions, as_of)
        assert await levels_of_issue() == want, as_of
        again = await run_scan(sessions, as_of)  # re-running changes nothing
        assert again.created == 0 and again.resolved == 0
        assert await levels_of_issue() == want
        if as_of == supervise:  # the office issues the 督办 the day it is proposed
            async with sessions() as s:
                await s.execute(
                    update(Escalation)
                    .where(Escalation.issue_id == issue.id, Escalation.level == "supervision")
                    .values(state="issued", issued_on=supervise)
                )
                await s.commit()
            want[-1] = ("supervision", "issued")
