"""A month of the demo the way a 督察整改办 runs it (issue 18, "Done when"), through the API, with the
notifier's scan and delivery planning called in process (the entry points its jobs call) and the
clock (`rectify_shared.clock`) played forward day by day — never a future `as_of`.

The cast: the office (`client`, the demo admin) keeps the ledger and issues letters; 阿巴嘎旗
(`abgq`) is the unit that reports, moves its measures, answers a letter and applies for 销号; the
clerk of 锡林郭勒盟 (`xlgl_zgb`) reviews and accepts it. Each day asserts what a person would see.
"""

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from notifier.escalation.rehearsal import withdraw_scan
from notifier.escalation.scan_requests import run_scan_request
from notifier.events import plan_deliveries
from notifier.reconcile import envelope
from rectify_shared import clock
from rectify_shared.calendar_store import load_calendar
from rectify_shared.models import Delivery, Escalation, InspectionRound, OutboxEvent

NEW_MOBILE = "13904795678"


async def _letters(app: Any) -> list[Escalation]:
    async with app.state.rectify.read_sessions() as s:
        return list((await s.execute(select(Escalation).order_by(Escalation.id))).scalars())


async def _deliveries(app: Any, recipient: str) -> list[Delivery]:
    async with app.state.rectify.read_sessions() as s:
        stmt = select(Delivery).where(Delivery.recipient == recipient).order_by(Delivery.id)
        return list((await s.execute(stmt)).scalars())


async def _escalation_events(app: Any) -> int:
    async with app.state.rectify.read_sessions() as s:
        stmt = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.aggregate_type == "escalation")
        return int((await s.execute(stmt)).scalar_one())


async def _plan(app: Any, settings: Any) -> None:
    """What the notifier does with each event the relay publishes (recorded once per event)."""
    ctx = {"write_sessions": app.state.rectify.write_sessions, "settings": settings}
    async with app.state.rectify.read_sessions() as s:
        rows = (await s.execute(select(OutboxEvent).where(OutboxEvent.in_feed).order_by(OutboxEvent.id))).scalars()
        events = [envelope(r) for r in rows]
    for event in events:
        await plan_deliveries(ctx, event)


async def _scan(app: Any, client: Any) -> int:
    """The office asks for today's scan; the notifier runs it."""
    r = await client.post("/api/v1/escalations/scan", json={"as_of": clock.today().isoformat()})
    assert r.status_code == 202, r.text
    scan_id = int(r.json()["id"])
    await run_scan_request(app.state.rectify.write_sessions, scan_id)
    assert (await client.get(f"/api/v1/escalations/scans/{scan_id}")).json()["status"] == "done"
    return scan_id


async def _problem(
    client: Any, round_id: int, lead: int, deadline: Any, n_measures: int, what: str
) -> tuple[int, list[int]]:
    body = {
        "round_id": round_id,
        "category": "一个月的整改",
        "description": what,
        "lead_org_id": lead,
        "deadline": deadline.isoformat(),
        "occurred_on": (clock.today() - timedelta(days=60)).isoformat(),
    }
    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    issue_id = int(r.json()["id"])
    measures = []
    for n in range(1, n_measures + 1):
        m = {"text": f"{what}措施{n}", "responsible_org_id": lead, "deadline": deadline.isoformat()}
        r = await client.post(f"/api/v1/issues/{issue_id}/measures", json=m)
        assert r.status_code == 201, r.text
        measures.append(int(r.json()["id"]))
    return issue_id, measures


def _visible(listing: Any) -> set[int]:
    return {int(e["id"]) for e in listing.json()["items"]}


async def test_a_month_of_the_office_and_its_units(app, client, signin, settings, demo_round):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    abgq_id = orgs["阿巴嘎旗"]
    async with app.state.rectify.read_sessions() as s:
        rnd = (await s.execute(select(InspectionRound).where(InspectionRound.id == demo_round))).scalar_one()
        # the policy's 督办 comes five working days after an unanswered 通报 (holidays included)
        climb = ((await load_calendar(s)).nth_workday_after(clock.today(), 5).day - clock.today()).days
    office_id = rnd.office_org_id
    assert office_id is not None and office_id != rnd.org_id
    unit, clerk = await signin("abgq"), await signin("xlgl_zgb")
    today = clock.today()

    # ---- day 0: the office updates 阿巴嘎旗's mobile and enters three problems it leads
    r = await client.patch(f"/api/v1/orgs/{abgq_id}", json={"mobile": NEW_MOBILE})
    assert r.status_code == 200 and r.json()["mobile"] == NEW_MOBILE, r.text
    late, (late_1, late_2) = await _problem(client, demo_round, abgq_id, today - timedelta(days=10), 2, "矿区修复滞后")
    late_b, _ = await _problem(client, demo_round, abgq_id, today - timedelta(days=20), 1, "污水管网滞后")
    done, (done_1,) = await _problem(client, demo_round, abgq_id, today + timedelta(days=120), 1, "草原围栏")

    # a dispatch round opens: the unit owes a report until it reports
    year, week, _ = today.isocalendar()
    body = {
        "round_id": demo_round,
        "frequency": "weekly",
        "period": f"{year}-W{week:02d}",
        "cutoff": (today + timedelta(days=3)).isoformat(),
    }
    r = await client.post("/api/v1/dispatch-rounds", json=body)
    assert r.status_code == 201, r.text
    dispatch_id = r.json()["id"]

    def mine(detail: dict[str, Any]) -> dict[str, Any]:
        return next(o for o in detail["obligations"] if o["org_id"] == abgq_id)

    assert mine(r.json())["reported"] is False
    assert mine((await unit.get(f"/api/v1/dispatch-rounds/{dispatch_id}")).json())["reported"] is False

    # the unit reports on its measure: measure and problem move to 正在推进, the report counts, on time
    r = await unit.post(f"/api/v1/measures/{late_1}/progress", json={"text": "已完成修复方案设计"})
    assert r.status_code == 201, r.text
    assert isinstance(r.json()["id"], str)  # a 63-bit id, served as a string (issue 20)
    assert (await unit.get(f"/api/v1/measures/{late_1}")).json()["status"] == "in_progress"
    problem = (await unit.get(f"/api/v1/issues/{late}")).json()
    assert (problem["status"], problem["status_text"]) == ("in_progress", "正在推进")
    met = mine((await unit.get(f"/api/v1/dispatch-rounds/{dispatch_id}")).json())
    assert met["reported"] is True and met["late"] is False

    # the first scan: only 预警/通报, signed by the office, one per unit, problem and level
    await _scan(app, client)
    letters = await _letters(app)
    assert letters and {e.level for e in letters} <= {"warning", "notice"}
    assert {e.issuer_org_id for e in letters if e.issue_id is not None} == {office_id}
    assert not {e.addressed_org_id for e in letters} & {office_id, rnd.org_id}  # to units, never to itself
    keys = [(e.addressed_org_id, e.issue_id, e.level) for e in letters]
    assert len(keys) == len(set(keys))
    ours = [e for e in letters if e.issue_id == late]
    assert [(e.level, e.addressed_org_id, e.state) for e in ours] == [("notice", abgq_id, "issued")]
    listed = sorted(ours[0].trigger["measures"])
    assert listed == [late_1, late_2]  # both overdue measures in one letter
    assert not [e for e in letters if e.issue_id == done]  # four months ahead: nothing to say
    notice_id = ours[0].id
    assert notice_id in _visible(await unit.get("/api/v1/escalations?limit=200"))

    # one digest SMS and one email to the unit for the whole scan, the SMS to its new mobile
    await _plan(app, settings)
    sent = await _deliveries(app, f"org:{abgq_id}")
    assert sorted(d.channel for d in sent) == ["email", "sms"]
    assert [d.address for d in sent if d.channel == "sms"] == [NEW_MOBILE]
    email, sms_text = (next(d.body for d in sent if d.channel == c) for c in ("email", "sms"))
    assert "矿区修复滞后" in email and "污水管网滞后" in email and "涉及整改措施2项" in email  # one letter lists all
    assert email.rstrip().splitlines()[-2] == "锡林郭勒盟生态环境保护督察整改工作领导小组办公室"  # signed by the office
    assert "2项" in sms_text
    async with app.state.rectify.read_sessions() as s:
        units = await s.execute(select(Delivery.recipient, Delivery.channel).where(Delivery.recipient.like("org:%")))
        per_unit = Counter(units.all())
    assert sorted(e.issue_id for e in letters if e.addressed_org_id == abgq_id) == [late, late_b]  # two letters…
    assert len(per_unit) > 2 and max(per_unit.values()) == 1  # …and one SMS and one email
    inbox = (await unit.get("/api/v1/inbox?limit=200")).json()["items"]
    assert f"/escalations/{notice_id}" in {i["link"] for i in inbox if i["title"].startswith("【通报】")}

    # ---- the day before the fifth working day: unanswered, but the ladder does not move yet
    with clock.offset(climb - 1):
        await _scan(app, client)
    assert [e.level for e in await _letters(app) if e.issue_id == late] == ["notice"]

    # ---- the fifth working day: still unanswered: one rung up, a proposed 督办 the unit does not see
    with clock.offset(climb):
        await _scan(app, client)
        ours = [e for e in await _letters(app) if e.issue_id == late]
        assert [(e.level, e.state) for e in ours] == [("notice", "issued"), ("supervision", "proposed")]
        supervision = ours[1]
        assert (supervision.issuer_org_id, supervision.addressed_org_id) == (office_id, abgq_id)
        assert supervision.id not in _visible(await unit.get("/api/v1/escalations?limit=200"))
        assert (await unit.get(f"/api/v1/escalations/{supervision.id}")).status_code == 404
        await _plan(app, settings)
        assert len(await _deliveries(app, f"org:{abgq_id}")) == 2  # a proposal sends nothing

        # the office issues it: it sends its own message; the unit reads it and answers
        r = await client.post(f"/api/v1/escalations/{supervision.id}/issue", json={"doc_no": "锡整改办督〔2026〕7号"})
        assert r.status_code == 200 and r.json()["state"] == "issued", r.text
        await _plan(app, settings)
        sms = [d for d in await _deliveries(app, f"org:{abgq_id}") if d.channel == "sms"]
        assert len(sms) == 2 and {d.address for d in sms} == {NEW_MOBILE}
        inbox = (await unit.get("/api/v1/inbox?limit=200")).json()["items"]
        assert [i["link"] for i in inbox if i["title"].startswith("【督办】")] == [f"/escalations/{supervision.id}"]
        assert (await unit.get(f"/api/v1/escalations/{supervision.id}")).json()["level_text"] == "督办"
        r = await unit.post(
            f"/api/v1/escalations/{supervision.id}/respond", json={"response": "已制定整改计划，月底前完成修复"}
        )
        assert r.status_code == 200 and r.json()["state"] == "responded", r.text

    # ---- a week on: answered, so no 约谈; a rehearsal of the week 草原围栏 is due writes and sends nothing
    with clock.offset(climb + 7):
        await _scan(app, client)
        assert [e.level for e in await _letters(app) if e.issue_id == late] == ["notice", "supervision"]
        before, events = [(e.id, e.state) for e in await _letters(app)], await _escalation_events(app)
        ahead = {"as_of": (today + timedelta(days=117)).isoformat()}  # days before 草原围栏 is due
        refused = await client.post("/api/v1/escalations/scan", json=ahead)
        assert refused.status_code == 422 and "scan_in_future" in refused.text
        r = await client.post("/api/v1/escalations/scan", json={**ahead, "dry_run": True})
        assert r.status_code == 202, r.text
        await run_scan_request(app.state.rectify.write_sessions, r.json()["id"])
        rehearsal = (await client.get(f"/api/v1/escalations/scans/{r.json()['id']}")).json()
        assert rehearsal["status"] == "done" and rehearsal["dry_run"] is True
        would = [(x["level"], x["issue_id"], x["addressed_org_id"]) for x in rehearsal["report"]["would_create"]]
        assert ("warning", done, abgq_id) in would
        assert not [x for x in would if x[1] == late]  # the answered 督办 does not climb, even then
        assert [(e.id, e.state) for e in await _letters(app)] == before
        assert await _escalation_events(app) == events

    # ---- the next day: a problem entered with a wrong deadline is 通报ed; the office withdraws the scan
    with clock.offset(climb + 8):
        planned_before = {d.id for d in await _deliveries(app, f"org:{abgq_id}")}
        typo, (typo_1,) = await _problem(client, demo_round, abgq_id, clock.today() - timedelta(days=3), 1, "录入错误")
        wrong = await _scan(app, client)
        made = [e for e in await _letters(app) if e.scan_id == wrong]
        assert [(e.issue_id, e.level) for e in made] == [(typo, "notice")]
        await _plan(app, settings)
        r = await client.post(f"/api/v1/escalations/scans/{wrong}/withdraw", json={"reason": "完成时限录入有误"})
        assert r.status_code == 202, r.text
        assert await withdraw_scan(app.state.rectify.write_sessions, wrong) == 1
        assert {e.state for e in await _letters(app) if e.scan_id == wrong} == {"withdrawn"}
        assert made[0].id not in _visible(await unit.get("/api/v1/escalations?state=issued&limit=200"))
        await _plan(app, settings)
        # what the scan had planned for the unit is suppressed, and nothing new is planned
        later = [d for d in await _deliveries(app, f"org:{abgq_id}") if d.id not in planned_before]
        assert sorted(d.channel for d in later) == ["email", "sms"]
        assert {d.state for d in later} == {"suppressed"}
        fixed = {"deadline": (clock.today() + timedelta(days=60)).isoformat()}
        assert (await client.patch(f"/api/v1/issues/{typo}", json=fixed)).status_code == 200
        assert (await client.patch(f"/api/v1/measures/{typo_1}", json=fixed)).status_code == 200
    with clock.offset(climb + 9):
        await _scan(app, client)
        assert [e.state for e in await _letters(app) if e.issue_id == typo] == ["withdrawn"]  # nothing further

    # ---- two weeks on: the unit finishes 草原围栏, applies for 销号; others review and accept it
    with clock.offset(climb + 15):
        assert (await unit.post(f"/api/v1/measures/{done_1}/progress", json={"text": "围栏已建成"})).status_code == 201
        r = await unit.patch(f"/api/v1/measures/{done_1}", json={"status": "completed"})
        assert r.status_code == 200 and r.json()["status"] == "completed", r.text
        r = await unit.post("/api/v1/closures", json={"issue_id": done, "statement": "围栏已建成，经旗级自查达标。"})
        assert r.status_code == 201, r.text
        closure = r.json()["id"]
        assert (await unit.post(f"/api/v1/closures/{closure}/review", json={"approve": True})).status_code == 403
        r = await clerk.post(f"/api/v1/closures/{closure}/review", json={"approve": True, "comment": "材料齐全"})
        assert r.status_code == 200, r.text
        assert (await unit.post(f"/api/v1/closures/{closure}/accept", json={})).status_code == 403
        r = await clerk.post(f"/api/v1/closures/{closure}/accept", json={"comment": "盟级验收通过"})
        assert r.status_code == 200 and r.json()["state"] == "accepted", r.text

    # the ledger, as the unit reads it at the end of the month
    with clock.offset(climb + 23):
        ledger = (await unit.get(f"/api/v1/issues/{done}")).json()
        assert (ledger["status"], ledger["status_text"]) == ("completed", "已完成整改")
        assert [m["status"] for m in ledger["measures"]] == ["completed"]
        still = (await unit.get(f"/api/v1/issues/{late}")).json()
        assert still["status"] == "in_progress"
        assert {m["status"] for m in still["measures"]} == {"in_progress", "not_started"}
