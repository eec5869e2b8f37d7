"""The escalation ladder the way an office runs it (issue 18, seen #3–#6, and security finding #20
of issue 19), on the demo ledger: the API in process, the notifier's scan and delivery planning
called in process (the same entry points its jobs call), the clock played forward."""

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from notifier.escalation.rehearsal import withdraw_scan
from notifier.escalation.scan import run_scan
from notifier.escalation.scan_requests import run_scan_request
from notifier.events import plan_deliveries
from notifier.reconcile import envelope
from rectify_shared import clock
from rectify_shared.models import (
    AuditRecord,
    Delivery,
    Escalation,
    InspectionRound,
    Issue,
    Org,
    OutboxEvent,
    UserAccount,
)


async def _round(app: Any, round_id: int) -> InspectionRound:
    async with app.state.rectify.read_sessions() as s:
        return (await s.execute(select(InspectionRound).where(InspectionRound.id == round_id))).scalar_one()


async def _letters(app: Any) -> list[Escalation]:
    async with app.state.rectify.read_sessions() as s:
        return list((await s.execute(select(Escalation).order_by(Escalation.id))).scalars())


async def _plan_every_event(app: Any, settings: Any) -> None:
    """What the notifier does with each event the relay would publish."""
    ctx = {"write_sessions": app.state.rectify.write_sessions, "settings": settings}
    async with app.state.rectify.read_sessions() as s:
        rows = (await s.execute(select(OutboxEvent).where(OutboxEvent.in_feed).order_by(OutboxEvent.id))).scalars()
        events = [envelope(r) for r in rows]
    for event in events:
        await plan_deliveries(ctx, event)


async def test_seen_3_one_letter_per_unit_problem_and_level_and_the_ladder_climbs_a_rung_at_a_time(
    app, demo_round, settings
):
    """Seen #3: one scan over 10 overdue problems created 120 escalations; 阿巴嘎旗 got 8 【通报】
    emails in one second for 2 problems; a problem 20 working days late got 通报, 督办 and 约谈 the
    same day."""
    sessions = app.state.rectify.write_sessions
    async with sessions() as s:  # every unit has a mobile (SMS goes there)
        for org in (await s.execute(select(Org))).scalars():
            org.mobile = f"139{org.id:08d}"
        await s.commit()
    first = await run_scan(sessions, clock.today())  # the demo's open problems are months overdue
    letters = await _letters(app)
    assert first.created == len(letters) > 0
    keys = Counter((e.addressed_org_id, e.issue_id, e.level) for e in letters)
    assert max(keys.values()) == 1  # one letter per unit, problem and level
    assert {e.level for e in letters if e.issue_id is not None} == {"notice"}  # one rung on the first day
    assert all(e.measure_id is None for e in letters if e.issue_id is not None)  # measures are listed in it
    assert any(e.trigger.get("measures") for e in letters)

    await _plan_every_event(app, settings)
    async with app.state.rectify.read_sessions() as s:
        sent = (await s.execute(select(Delivery).where(Delivery.recipient.like("org:%")))).scalars().all()
    per_unit = Counter((d.recipient, d.channel) for d in sent)
    assert per_unit and max(per_unit.values()) == 1  # one email and one SMS per unit for the scan
    assert {d.channel for d in sent} == {"email", "sms"}
    assert all(d.address.startswith("139") for d in sent if d.channel == "sms")  # mobiles, never landlines

    for days, levels in ((4, {"notice"}), (10, {"notice", "supervision"}), (40, {"notice", "supervision"})):
        with clock.offset(days):  # 督办 five working days after an unanswered 通报; 约谈 waits for it to be issued
            await run_scan(sessions, clock.today())
        per_problem = [e for e in await _letters(app) if e.issue_id is not None]
        assert {e.level for e in per_problem} == levels, days
    serious = [e for e in await _letters(app) if e.level == "supervision"]
    assert serious and all(e.state == "proposed" for e in serious)
    assert Counter((e.addressed_org_id, e.issue_id, e.level) for e in await _letters(app)).most_common(1)[0][1] == 1


async def test_seen_4_the_office_writes_to_the_responsible_unit_never_to_itself(app, client, demo_round):
    """Seen #4: the default rule addressed `parent_org`, i.e. 锡林郭勒盟 itself."""
    rnd = await _round(app, demo_round)
    assert rnd.office_org_id is not None
    with clock.offset(40):
        await run_scan(app.state.rectify.write_sessions, clock.today())
    letters = [e for e in await _letters(app) if e.issue_id is not None]
    assert letters and {e.issuer_org_id for e in letters} == {rnd.office_org_id}
    assert not {e.addressed_org_id for e in letters} & {rnd.org_id, rnd.office_org_id}
    policy = (await client.get(f"/api/v1/rounds/{demo_round}/escalation-policy")).json()
    assert "parent_org" not in {r.get("target") for r in policy["rules"]}
    policy["rules"][2]["target"] = "parent_org"  # the org above a 旗县 is the league: the issuer itself
    r = await client.put(f"/api/v1/rounds/{demo_round}/escalation-policy", json=policy)
    assert r.status_code == 422 and "parent_org" in r.text, r.text


async def test_seen_5_a_future_scan_is_refused_a_dry_run_writes_nothing_and_a_scan_can_be_withdrawn(
    app, client, demo_round, settings
):
    """Seen #5: `POST /escalations/scan {"as_of":"2027-02-01"}` on 2026-12-07 issued 40 通报 and 23
    预警 at once; no dry run; no way to undo a scan but one withdraw per escalation."""
    sessions = app.state.rectify.write_sessions
    future = (clock.today() + timedelta(days=60)).isoformat()
    r = await client.post("/api/v1/escalations/scan", json={"as_of": future})
    assert r.status_code == 422 and "scan_in_future" in r.text, r.text
    r = await client.post("/api/v1/escalations/scan", json={"as_of": future, "dry_run": True})
    assert r.status_code == 202, r.text
    await run_scan_request(sessions, r.json()["id"])
    rehearsal = (await client.get(r.headers["location"])).json()
    assert rehearsal["status"] == "done" and rehearsal["dry_run"]
    assert rehearsal["report"]["created"] > 0 and rehearsal["report"]["would_create"]
    assert await _letters(app) == []  # nothing written…
    async with app.state.rectify.read_sessions() as s:  # …and nothing to send
        about = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.aggregate_type == "escalation")
        assert (await s.execute(about)).scalar_one() == 0

    r = await client.post("/api/v1/escalations/scan", json={"as_of": clock.today().isoformat()})
    scan_id = r.json()["id"]
    await run_scan_request(sessions, scan_id)
    made = await _letters(app)
    assert made and all(e.scan_id == scan_id for e in made)
    await _plan_every_event(app, settings)
    r = await client.post(f"/api/v1/escalations/scans/{scan_id}/withdraw", json={"reason": "扫描日期有误，整批撤回"})
    assert r.status_code == 202 and r.json()["withdraw_state"] == "requested", r.text
    assert await withdraw_scan(sessions, scan_id) == len(made)
    assert await withdraw_scan(sessions, scan_id) is None  # once
    assert {e.state for e in await _letters(app)} == {"withdrawn"}
    body = (await client.get(f"/api/v1/escalations/scans/{scan_id}")).json()
    assert (body["withdraw_state"], body["withdrawn_count"]) == ("done", len(made))
    async with app.state.rectify.read_sessions() as s:
        unsent = (
            (await s.execute(select(Delivery).where(Delivery.state.in_(("pending", "scheduled", "digest")))))
            .scalars()
            .all()
        )
        audited = (
            (await s.execute(select(AuditRecord).where(AuditRecord.action == "escalation.scan_withdrawn")))
            .scalars()
            .all()
        )
    assert unsent == [] and len(audited) == 1  # nothing further is sent; one audited act
    again = await client.post(f"/api/v1/escalations/scans/{scan_id}/withdraw", json={"reason": "再撤一次"})
    assert again.status_code == 409


async def test_seen_6_units_see_only_issued_letters(app, client, signin, demo_round):
    """Seen #6: proposed 督办/约谈 the office had not decided on were listed to the addressed unit."""
    await run_scan(app.state.rectify.write_sessions, clock.today())  # 通报
    with clock.offset(10):  # unanswered: 督办, proposed
        await run_scan(app.state.rectify.write_sessions, clock.today())
    proposed = [e for e in await _letters(app) if e.state == "proposed"]
    assert proposed
    unit = proposed[0]
    async with app.state.rectify.read_sessions() as s:
        username = (
            (await s.execute(select(UserAccount.username).where(UserAccount.org_id == unit.addressed_org_id)))
            .scalars()
            .first()
        )
    assert username
    operator = await signin(username)
    listed = (await operator.get("/api/v1/escalations?limit=200")).json()["items"]
    assert listed and all(e["state"] != "proposed" for e in listed)
    assert (await operator.get(f"/api/v1/escalations/{unit.id}")).status_code == 404
    office = (await client.get("/api/v1/escalations?state=proposed&limit=200")).json()["items"]
    assert unit.id in {e["id"] for e in office}
    # once the office issues it, the unit sees it and answers it
    assert (
        await client.post(f"/api/v1/escalations/{unit.id}/issue", json={"doc_no": "锡整改办督〔2026〕1号"})
    ).status_code == 200
    assert (await operator.get(f"/api/v1/escalations/{unit.id}")).json()["state"] == "issued"
    r = await operator.post(f"/api/v1/escalations/{unit.id}/respond", json={"response": "已制定整改计划"})
    assert r.status_code == 200 and r.json()["state"] == "responded"


async def test_finding_20_a_hand_made_letter_is_visible_to_the_addressed_org_which_can_respond(
    app, client, signin, demo_round
):
    """Issue 19, finding 20: a hand-made escalation was visible to the lead org but not to the
    addressed org, which could not respond."""
    async with app.state.rectify.read_sessions() as s:
        issue = (
            (await s.execute(select(Issue).where(Issue.round_id == demo_round).order_by(Issue.seq))).scalars().first()
        )
        other = (
            await s.execute(
                select(UserAccount.username, UserAccount.org_id)
                .where(UserAccount.org_id != issue.lead_org_id, UserAccount.role == "unit_operator")
                .order_by(UserAccount.username)
            )
        ).first()
    r = await client.post(
        "/api/v1/escalations",
        json={"level": "notice", "issue_id": issue.id, "addressed_org_id": other.org_id, "reason": "配合推进不力"},
    )
    assert r.status_code == 201, r.text
    letter = r.json()
    operator = await signin(other.username)
    assert (await operator.get(f"/api/v1/escalations/{letter['id']}")).status_code == 200
    r = await operator.post(f"/api/v1/escalations/{letter['id']}/respond", json={"response": "已按要求配合"})
    assert r.status_code == 200 and r.json()["state"] == "responded"
