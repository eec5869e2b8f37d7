"""The closure workflow through the API: application → review → two acceptance levels → a notice of
10 working days → write-off; an objection upheld during the notice sends the task back."""

from datetime import date, timedelta
from typing import Any

from rectify_shared.timezone import today

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def org_ids(client: Any) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def county_task(client: Any, round_id: int, *, long_term: bool = False) -> int:
    """A task led by 阿巴嘎旗 (a county under 锡林郭勒盟), in progress."""
    orgs = await org_ids(client)
    body = {
        "round_id": round_id,
        "category": "其他需要关注的问题方面",
        "description": "阿巴嘎旗某矿区生态修复不到位",
        "goal": "完成矿区生态修复，植被覆盖度达到周边水平",
        "lead_org_id": orgs["阿巴嘎旗"],
        "responsible_org_ids": [orgs["阿巴嘎旗"]],
        "long_term": long_term,
    }
    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    issue_id: int = r.json()["id"]
    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "in_progress"})
    assert r.status_code == 200, r.text
    return issue_id


async def upload(c: Any, data: bytes = PDF, name: str = "验收报告.pdf") -> dict[str, Any]:
    r = await c.post("/api/v1/attachments", files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def accepted_closure(admin: Any, unit: Any, issue_id: int) -> dict[str, Any]:
    """The unit applies with evidence; someone else (the office) reviews and accepts every level."""
    evidence = await upload(unit)
    r = await unit.post(
        "/api/v1/closures",
        json={
            "issue_id": issue_id,
            "statement": "矿区生态修复已完成，经第三方评估达标。",
            "attachment_ids": [evidence["id"]],
        },
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    return await reviewed_and_accepted(admin, cid)


async def reviewed_and_accepted(admin: Any, cid: int) -> dict[str, Any]:
    """`admin` (not the applicant) reviews the application and accepts each of its levels."""
    r = await admin.post(f"/api/v1/closures/{cid}/review", json={"approve": True})
    assert r.status_code == 200, r.text
    for _ in r.json()["levels"]:
        r = await admin.post(f"/api/v1/closures/{cid}/accept", json={"comment": "验收通过"})
        assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["state"] == "accepted"
    return body


async def _issue(client: Any, issue_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/v1/issues/{issue_id}")
    assert r.status_code == 200
    result: dict[str, Any] = r.json()
    return result


async def _audit_actions(client: Any, closure_id: int) -> list[str]:
    r = await client.get(f"/api/v1/audit?entity_type=closure&entity_id={closure_id}&limit=200")
    assert r.status_code == 200, r.text
    return [i["action"] for i in r.json()["items"]]


async def test_application_two_levels_notice_and_write_off(client, signin, demo_round, app):
    """The round's policy names the acceptors: the lead unit's supervising org, then the office."""
    policy = {"acceptance_levels": ["supervisor", "office"]}
    assert (await client.put(f"/api/v1/rounds/{demo_round}/closure-policy", json=policy)).status_code == 200
    unit, clerk = await signin("abgq"), await signin("xlgl_zgb")
    issue_id = await county_task(client, demo_round)
    orgs = await org_ids(client)

    evidence = await upload(unit)
    r = await unit.post(
        "/api/v1/closures",
        json={"issue_id": issue_id, "statement": "矿区生态修复已完成。", "attachment_ids": [evidence["id"]]},
    )
    assert r.status_code == 201, r.text
    closure = r.json()
    cid = closure["id"]
    assert r.headers["location"] == f"/api/v1/closures/{cid}"
    assert closure["state"] == "applied" and closure["attachment_ids"] == [evidence["id"]]
    assert [(lv["kind"], lv["org"]["id"]) for lv in closure["levels"]] == [
        ("supervisor", orgs["锡林郭勒盟"]),
        ("office", orgs["锡林郭勒盟生态环境保护督察整改工作领导小组办公室"]),
    ]
    assert (await _issue(client, issue_id))["status"] == "in_progress"  # applying moves nothing

    # acceptance comes after the review, not before
    r = await clerk.post(f"/api/v1/closures/{cid}/accept", json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    # the lead unit applied itself: its supervising org reviews, not the applicant
    r = await unit.post(f"/api/v1/closures/{cid}/review", json={"approve": True})
    assert r.status_code == 403 and "锡林郭勒盟" in r.json()["error"]["message"]
    r = await clerk.post(f"/api/v1/closures/{cid}/review", json={"approve": True})
    assert r.json()["state"] == "accepting"
    review = r.json()["steps"][-1]
    league = orgs["锡林郭勒盟"]
    assert (review["org_id"], review["actor"], review["actor_org_id"]) == (league, "xlgl_zgb", league)

    r = await clerk.post(f"/api/v1/closures/{cid}/accept", json={"comment": "盟级验收通过"})
    assert r.status_code == 200 and r.json()["state"] == "accepting" and r.json()["next_level"] == 2
    # the county cannot accept for the office
    r = await unit.post(f"/api/v1/closures/{cid}/accept", json={"comment": "越级"})
    assert r.status_code == 403 and "督察整改工作领导小组办公室" in r.json()["error"]["message"]
    assert (await _issue(client, issue_id))["status"] == "in_progress"

    r = await client.post(f"/api/v1/closures/{cid}/accept", json={"comment": "整改办验收通过"})
    body = r.json()
    assert r.status_code == 200 and body["state"] == "accepted"
    assert [lv["accepted_by"] for lv in body["levels"]] == ["xlgl_zgb", "admin"]
    assert body["steps"][-1]["actor_org_id"] == orgs["内蒙古自治区"]  # admin acted for the office
    assert (await _issue(client, issue_id))["status"] == "completed"

    # only the office runs the notice
    notice = {
        "start": "2025-09-26",
        "days": 10,
        "day_kind": "working",
        "medium": "盟行署网站",
        "contact": "0479-8888888",
    }
    assert (await unit.post(f"/api/v1/closures/{cid}/publicity", json=notice)).status_code == 403
    r = await client.post(f"/api/v1/closures/{cid}/publicity", json=notice)
    assert r.status_code == 200, r.text
    # 9/26 (1), 9/28 调休 (2), 9/29, 9/30, National Day 10/1–10/8, 10/9, 10/10, 10/11 调休, 10/13, 10/14, 10/15 (10)
    assert r.json()["publicity"]["end"] == "2025-10-15" and r.json()["state"] == "in_publicity"
    assert r.json()["publicity"]["provisional"] is False

    r = await client.post(f"/api/v1/closures/{cid}/writeoff", json={"comment": "公示期满无异议，同意销号"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "written_off" and r.json()["written_off_at"]
    issue = await _issue(client, issue_id)
    assert issue["status"] == "closed" and issue["allowed_transitions"] == []
    # the whole trail: each step audited, and the upper level informed through the change feed
    actions = await _audit_actions(client, cid)
    for action in ("closure.applied", "closure.reviewed", "closure.accepted", "closure.publicity_started"):
        assert action in actions
    assert actions.count("closure.accepted") == 2 and "closure.written_off" in actions
    await app.state.relay.run_once()
    feed = (await client.get("/api/v1/changes?limit=200")).json()["items"]
    assert any(e["type"] == "closure.written_off" and e["aggregate_id"] == str(cid) for e in feed)
    r = await client.get(f"/api/v1/closures?state=written_off&org_id={orgs['阿巴嘎旗']}")
    assert [c["id"] for c in r.json()["items"]] == [cid]  # the county's; the demo's written-off task is a league dept's
    r = await client.get(f"/api/v1/closures?state=written_off&org_id={orgs['锡林郭勒盟']}")
    assert cid in [c["id"] for c in r.json()["items"]] and {c["state"] for c in r.json()["items"]} == {"written_off"}


async def test_objection_upheld_during_the_notice_reopens_the_task(client, signin, demo_round, anon, app):
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round)
    cid = (await accepted_closure(client, unit, issue_id))["id"]
    start = today()
    notice = {"start": start.isoformat(), "days": 10, "day_kind": "working", "medium": "盟行署网站", "contact": "0479"}
    assert (await client.post(f"/api/v1/closures/{cid}/publicity", json=notice)).status_code == 200

    # the notice is public, without an account
    listed = (await anon.get("/public/notices")).json()["items"]
    page = next(n for n in listed if n["id"] == cid)
    assert page["period_text"].startswith(f"公示期为{start.year}年{start.month}月{start.day}日至")
    assert page["goal"] == "完成矿区生态修复，植被覆盖度达到周边水平" and "实名" in page["how_to_object"]
    # a name and a contact are required
    r = await anon.post(f"/public/notices/{cid}/objections", json={"name": "张三", "content": "仍有裸露"})
    assert r.status_code == 422
    r = await anon.post(
        f"/public/notices/{cid}/objections", json={"name": "张三", "contact": "13800000000", "content": "矿区仍有裸露"}
    )
    assert r.status_code == 201, r.text
    oid = r.json()["objection_id"]

    # no write-off while the notice runs or an objection waits
    r = await client.post(f"/api/v1/closures/{cid}/writeoff")
    assert r.status_code == 409 and r.json()["error"]["code"] == "notice_running"

    r = await client.post(
        f"/api/v1/closures/{cid}/objections/{oid}/decision", json={"upheld": True, "reason": "经核查矿区仍有裸露"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "reopened" and body["objections"][0]["decision"] == "upheld"
    issue = await _issue(client, issue_id)
    assert issue["status"] == "in_progress"
    await app.state.relay.run_once()
    feed = (await client.get("/api/v1/changes?limit=200")).json()["items"]
    reopened = [e for e in feed if e["type"] == "issue.status_changed" and e["aggregate_id"] == str(issue_id)]
    assert reopened[-1]["data"]["to"] == "in_progress" and "经核查矿区仍有裸露" in reopened[-1]["data"]["reason"]
    assert (await anon.get(f"/public/notices/{cid}")).status_code == 404
    assert (await client.post(f"/api/v1/closures/{cid}/writeoff")).status_code == 409

    # the unit applies again on the same closure; the history keeps both rounds
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "已补植复绿。"})
    assert r.status_code == 201 and r.json()["id"] == cid and r.json()["state"] == "under_review"
    assert [s["action"] for s in r.json()["steps"]][:2] == ["apply", "review"]
    assert [lv["accepted_by"] for lv in r.json()["levels"]] == [None]


async def test_rejection_and_scope(client, signin, demo_round):
    unit, other = await signin("abgq"), await signin("xlhts")
    issue_id = await county_task(client, demo_round)
    r = await other.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "别人的任务"})
    assert r.status_code == 422  # not in 锡林浩特市's scope
    cid = (await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "完成"})).json()["id"]
    assert (await other.get(f"/api/v1/closures/{cid}")).status_code == 404
    assert (await other.post(f"/api/v1/closures/{cid}/review", json={"approve": True})).status_code == 404
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "重复申请"})
    assert r.status_code == 409
    r = await client.post(f"/api/v1/closures/{cid}/review", json={"approve": False})
    assert r.status_code == 422  # a refusal needs a reason
    r = await client.post(f"/api/v1/closures/{cid}/reject", json={"reason": "佐证材料不足"})
    assert r.status_code == 200 and r.json()["state"] == "rejected" and r.json()["last_reason"] == "佐证材料不足"
    assert (await client.post(f"/api/v1/closures/{cid}/accept", json={})).status_code == 409


async def test_long_term_task_is_completed_long_term_at_acceptance(client, signin, demo_round):
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round, long_term=True)
    assert (await accepted_closure(client, unit, issue_id))["state"] == "accepted"
    assert (await _issue(client, issue_id))["status"] == "completed_long_term"


async def test_public_objections_are_rate_limited_per_address(client, signin, demo_round, anon, app):
    unit = await signin("abgq")
    cid = (await accepted_closure(client, unit, await county_task(client, demo_round)))["id"]
    start = (today() - timedelta(days=1)).isoformat()
    notice = {"start": start, "days": 10, "day_kind": "calendar", "medium": "网站", "contact": "0479"}
    r = await client.post(f"/api/v1/closures/{cid}/publicity", json=notice)
    assert r.json()["publicity"]["end"] == (date.fromisoformat(start) + timedelta(days=9)).isoformat()
    limit = int(app.state.rectify.settings.public_objection_limit.split("/")[0])
    body = {"name": "李四", "contact": "13900000000", "content": "有异议"}
    codes = [(await anon.post(f"/public/notices/{cid}/objections", json=body)).status_code for _ in range(limit + 1)]
    assert codes == [201] * limit + [429]
    # the office still sees every objection, with the name and contact
    assert len((await client.get(f"/api/v1/closures/{cid}")).json()["objections"]) == limit
