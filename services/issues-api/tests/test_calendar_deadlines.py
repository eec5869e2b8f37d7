"""Deadlines counted in working days, and their recomputation when a year's calendar is loaded."""

from typing import Any

from sqlalchemy import select

from rectify_shared.models import AuditRecord, DeadlineChange, OutboxEvent

#: ILLUSTRATIVE 2027 New Year (not yet published when written): Fri Jan 1 – Sun Jan 3 off
NEW_YEAR_2027 = {"holidays": [{"date": f"2027-01-0{d}", "name": "元旦"} for d in (1, 2, 3)]}
#: ten working days after Monday 2026-12-28: Jan 11 on weekends only, Jan 12 once Jan 1 is a holiday
RULE = {"kind": "working_days_after", "event": "整改方案印发", "event_date": "2026-12-28", "days": 10}


async def rows(app: Any, stmt: Any) -> list[Any]:
    async with app.state.rectify.read_sessions() as s:
        return list((await s.execute(stmt)).scalars().all())


async def new_issue(client: Any, round_id: int, **extra: Any) -> dict[str, Any]:
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    lead = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟生态环境局")
    body = {"round_id": round_id, "category": "日历测试", "description": "按工作日计算时限", "lead_org_id": lead}
    r = await client.post("/api/v1/issues", json={**body, **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_provisional_measure_deadline_is_recomputed_when_the_year_is_loaded(client, app, demo_round):
    issue = await new_issue(client, demo_round)
    r = await client.post(
        f"/api/v1/issues/{issue['id']}/measures", json={"text": "方案印发后10个工作日内完成", "deadline_rule": RULE}
    )
    assert r.status_code == 201, r.text
    measure = r.json()
    assert measure["deadline"] == "2027-01-11" and measure["original_deadline"] == "2027-01-11"
    assert measure["deadline_provisional"] is True and measure["deadline_rule"] == RULE

    r = await client.put("/api/v1/calendar/years/2027", json=NEW_YEAR_2027)
    assert r.status_code == 200 and r.json()["recomputed"] >= 1

    after = (await client.get(f"/api/v1/measures/{measure['id']}")).json()
    assert after["deadline"] == "2027-01-12" and after["original_deadline"] == "2027-01-11"
    assert after["deadline_provisional"] is False and after["deadline_rule"] == RULE
    (change,) = await rows(app, select(DeadlineChange).where(DeadlineChange.entity_id == measure["id"]))
    assert change.entity_type == "measure" and change.kind == "calendar_recompute"
    assert change.reason == "2027年官方日历已载入" and change.changed_by == "admin"
    assert (change.old_deadline.isoformat(), change.new_deadline.isoformat()) == ("2027-01-11", "2027-01-12")
    events = await rows(app, select(OutboxEvent).where(OutboxEvent.event_type == "measure.deadline_recomputed"))
    assert [e.aggregate_id for e in events] == [measure["id"]]
    assert events[0].payload["deadline"] == "2027-01-12" and events[0].payload["from"] == "2027-01-11"
    audits = await rows(app, select(AuditRecord).where(AuditRecord.action == "measure.deadline_recomputed"))
    assert audits[0].before == {"deadline": "2027-01-11", "deadline_provisional": True}

    # a second load that changes nothing for it recomputes nothing
    assert (await client.put("/api/v1/calendar/years/2027", json=NEW_YEAR_2027)).json()["recomputed"] == 0


async def test_an_issue_deadline_rule_is_counted_and_recomputed(client, app, demo_round):
    issue = await new_issue(client, demo_round, deadline_rule=RULE)
    assert issue["deadline"] == "2027-01-11" and issue["deadline_provisional"] is True
    assert issue["deadline_rule"] == RULE
    await client.put("/api/v1/calendar/years/2027", json=NEW_YEAR_2027)
    after = (await client.get(f"/api/v1/issues/{issue['id']}")).json()
    assert after["deadline"] == "2027-01-12" and after["original_deadline"] == "2027-01-11"
    assert after["deadline_provisional"] is False
    (change,) = await rows(app, select(DeadlineChange).where(DeadlineChange.entity_type == "issue"))
    assert change.entity_id == issue["id"] and change.kind == "calendar_recompute"
    events = await rows(app, select(OutboxEvent).where(OutboxEvent.event_type == "issue.deadline_recomputed"))
    assert [e.aggregate_id for e in events] == [issue["id"]]


async def test_a_rule_within_official_years_is_final(client, demo_round):
    rule = {"kind": "working_days_after", "event": "反馈意见", "event_date": "2025-09-30", "days": 1}
    issue = await new_issue(client, demo_round, deadline_rule=rule)
    assert issue["deadline"] == "2025-10-09" and issue["deadline_provisional"] is False  # after 国庆节+中秋节


async def test_a_plain_deadline_is_a_date_rule_and_replaces_a_counted_one(client, app, demo_round):
    issue = await new_issue(client, demo_round, deadline="2025-06-30")
    assert issue["deadline_rule"] == {"kind": "date"} and issue["deadline_provisional"] is False
    r = await client.post(f"/api/v1/issues/{issue['id']}/measures", json={"text": "措施", "deadline_rule": RULE})
    measure = r.json()
    r = await client.patch(f"/api/v1/measures/{measure['id']}", json={"deadline": "2027-03-31"})
    assert r.status_code == 200
    assert r.json()["deadline_rule"] == {"kind": "date"} and r.json()["deadline_provisional"] is False
    assert r.json()["original_deadline"] == "2027-01-11"
    assert (await client.put("/api/v1/calendar/years/2027", json=NEW_YEAR_2027)).json()["recomputed"] == 0
    assert (await client.get(f"/api/v1/measures/{measure['id']}")).json()["deadline"] == "2027-03-31"
    kinds = [c.kind for c in await rows(app, select(DeadlineChange).where(DeadlineChange.entity_id == measure["id"]))]
    assert kinds == ["correction"]


async def test_patching_a_rule_moves_the_deadline_with_history(client, app, demo_round):
    issue = await new_issue(client, demo_round, deadline="2025-06-30")
    rule = {"kind": "working_days_after", "event": "整改方案印发", "event_date": "2025-12-29", "days": 5}
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"deadline_rule": rule, "deadline_reason": "按方案"})
    assert r.status_code == 200, r.text
    # 12-30, 12-31, Sunday 01-04 (调休), 01-05, 01-06
    assert r.json()["deadline"] == "2026-01-06" and r.json()["original_deadline"] == "2025-06-30"
    assert r.json()["deadline_rule"] == rule
    (change,) = await rows(app, select(DeadlineChange).where(DeadlineChange.entity_id == issue["id"]))
    assert change.kind == "correction" and change.reason == "按方案"
    # {"kind": "date"} alone freezes the counted date as a plain one
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"deadline_rule": {"kind": "date"}})
    assert r.json()["deadline"] == "2026-01-06" and r.json()["deadline_rule"] == {"kind": "date"}


async def test_deadline_and_counted_rule_together_are_422(client, demo_round):
    issue = await new_issue(client, demo_round)
    both = {"deadline": "2027-01-31", "deadline_rule": RULE}
    r = await client.post(
        "/api/v1/issues",
        json={
            **both,
            "round_id": demo_round,
            "category": "c",
            "description": "d",
            "lead_org_id": issue["lead_org"]["id"],
        },
    )
    assert r.status_code == 422
    assert (await client.post(f"/api/v1/issues/{issue['id']}/measures", json={"text": "t", **both})).status_code == 422
    assert (await client.patch(f"/api/v1/issues/{issue['id']}", json=both)).status_code == 422
    bad_rules = [
        {**RULE, "days": 0},
        {**RULE, "days": 251},
        {**RULE, "kind": "calendar_days"},
        {"kind": "working_days_after"},
    ]
    for rule in bad_rules:
        r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"deadline_rule": rule})
        assert r.status_code == 422, rule


async def test_attestation_cycle_is_for_long_term_tasks(client, demo_round):
    r = await client.post(
        "/api/v1/issues",
        json={
            "round_id": demo_round,
            "category": "c",
            "description": "d",
            "lead_org_id": 1,
            "attestation_cycle": "monthly",
        },
    )
    assert r.status_code == 422
    issue = await new_issue(client, demo_round, long_term=True, attestation_cycle="quarterly")
    assert issue["attestation_cycle"] == "quarterly"
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"long_term": False})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.attestation_cycle"
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"long_term": False, "attestation_cycle": None})
    assert r.status_code == 200 and r.json()["attestation_cycle"] is None
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"attestation_cycle": "yearly"})
    assert r.status_code == 422
    assert (
        await client.patch(f"/api/v1/issues/{issue['id']}", json={"attestation_cycle": "weekly"})
    ).status_code == 422
