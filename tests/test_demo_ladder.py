"""The demo ledger, scanned day after day, climbs the default ladder level by level."""

from datetime import timedelta

from sqlalchemy import select

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
    days = {
        "before": cal.nth_workday_back(deadline, 5).day,  # 5 working days left → 预警
        "overdue": deadline + timedelta(days=1),  # the day after → 通报
        "10wd": cal.nth_workday_after(deadline, 10).day,  # → 督办 (proposed, to the parent)
        "20wd": cal.nth_workday_after(deadline, 20).day,  # → 约谈 (proposed, the leader)
    }

    async def levels_of_issue() -> list[tuple[str, str]]:
        async with sessions() as s:
            rows = (
                await s.execute(
                    select(Escalation.level, Escalation.state)
                    .where(Escalation.issue_id == issue.id, Escalation.measure_id.is_(None))
                    .order_by(Escalation.id)
                )
            ).all()
        return [(r[0], r[1]) for r in rows]

    expected = [
        [("warning", "issued")],
        [("warning", "issued"), ("notice", "issued")],
        [("warning", "issued"), ("notice", "issued"), ("supervision", "proposed")],
        [("warning", "issued"), ("notice", "issued"), ("supervision", "proposed"), ("summons", "proposed")],
    ]
    for as_of, want in zip(days.values(), expected, strict=True):
        await run_scan(sessions, as_of)
        assert await levels_of_issue() == want, as_of
        again = await run_scan(sessions, as_of)  # re-running changes nothing
        assert again.created == 0 and again.resolved == 0
        assert await levels_of_issue() == want
