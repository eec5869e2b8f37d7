"""Per-round closure policy: GET/PUT /rounds/{id}/closure-policy, and the workflow reading it."""

from .test_closure_workflow import accepted_closure, county_task, org_ids


async def test_a_round_without_a_policy_shows_the_global_default(client, demo_round):
    r = await client.get(f"/api/v1/rounds/{demo_round}/closure-policy")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["default"] is True and body["updated_by"] is None
    assert body["acceptance_levels"] == ["county", "league"]
    assert body["petition_closure"] == "certification" and body["attestation_cycle"] == "quarterly"
    assert (body["publicity_days"], body["publicity_day_kind"]) == (10, "working")
    assert (await client.get("/api/v1/rounds/999999/closure-policy")).status_code == 404


async def test_the_office_sets_the_policy_and_it_is_audited(client, signin, demo_round):
    policy = {
        "acceptance_levels": ["league"],
        "publicity_days": 7,
        "publicity_day_kind": "calendar",
        "attestation_cycle": "monthly",
        "petition_closure": "writeoff",
    }
    unit = await signin("abgq")
    r = await unit.put(f"/api/v1/rounds/{demo_round}/closure-policy", json=policy)
    assert r.status_code == 403
    r = await client.put(f"/api/v1/rounds/{demo_round}/closure-policy", json=policy)
    assert r.status_code == 200, r.text
    assert r.json()["default"] is False and r.json()["updated_by"] == "admin"
    got = (await client.get(f"/api/v1/rounds/{demo_round}/closure-policy")).json()
    assert {k: got[k] for k in policy} == policy and got["step_working_days"] == 10
    r = await client.get(f"/api/v1/audit?entity_type=closure_policy&entity_id={demo_round}&limit=50")
    assert [i["action"] for i in r.json()["items"]] == ["closure_policy.replaced"]


async def test_bad_policies_are_refused_and_nothing_is_stored(client, demo_round):
    url = f"/api/v1/rounds/{demo_round}/closure-policy"
    for bad in (
        {"acceptance_levels": ["county", "county"]},
        {"acceptance_levels": []},
        {"acceptance_levels": ["province"]},
        {"petition_closure": "vanish"},
        {"attestation_cycle": "weekly"},
        {"publicity_days": 0},
    ):
        r = await client.put(url, json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["message"] and r.json()["error"]["message_en"]
    assert (await client.get(url)).json()["default"] is True


async def test_closures_follow_the_rounds_policy(client, signin, demo_round):
    """One acceptance level (the lead unit's supervising org) and a 5-calendar-day notice when
    /publicity names no length."""
    policy = {"acceptance_levels": ["supervisor"], "publicity_days": 5, "publicity_day_kind": "calendar"}
    assert (await client.put(f"/api/v1/rounds/{demo_round}/closure-policy", json=policy)).status_code == 200
    unit = await signin("abgq")
    orgs = await org_ids(client)
    issue_id = await county_task(client, demo_round)
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "已完成。"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert [(lv["kind"], lv["org"]["id"]) for lv in r.json()["levels"]] == [("supervisor", orgs["锡林郭勒盟"])]
    assert (await client.post(f"/api/v1/closures/{cid}/review", json={"approve": True})).status_code == 200
    r = await client.post(f"/api/v1/closures/{cid}/accept", json={"comment": "盟级验收通过"})
    assert r.status_code == 200 and r.json()["state"] == "accepted"  # the league was the only level
    notice = {"start": "2025-09-26", "medium": "旗政府网站", "contact": "0479-1234567"}
    r = await client.post(f"/api/v1/closures/{cid}/publicity", json=notice)
    assert r.status_code == 200, r.text
    assert r.json()["publicity"]["end"] == "2025-09-30"
    assert (r.json()["publicity"]["days"], r.json()["publicity"]["day_kind"]) == (5, "calendar")
    # a length given in the request still wins over the policy (working days across National Day)
    issue2 = await county_task(client, demo_round)
    cid2 = (await unit.post("/api/v1/closures", json={"issue_id": issue2, "statement": "已完成。"})).json()["id"]
    await client.post(f"/api/v1/closures/{cid2}/review", json={"approve": True})
    await client.post(f"/api/v1/closures/{cid2}/accept", json={})
    r = await client.post(f"/api/v1/closures/{cid2}/publicity", json={**notice, "days": 10, "day_kind": "working"})
    assert r.json()["publicity"]["end"] == "2025-10-15"


async def test_a_unit_nobody_above_can_accept_gets_a_409_naming_who_must_act(client, signin, demo_round):
    """A policy of county acceptance only: a county applying for its own task has nobody to accept it."""
    policy = {"acceptance_levels": ["county"]}
    assert (await client.put(f"/api/v1/rounds/{demo_round}/closure-policy", json=policy)).status_code == 200
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round)
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "已完成。"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_reviewer"
    assert "阿巴嘎旗" in r.json()["error"]["message"]
    assert "锡林郭勒盟生态环境保护督察整改工作领导小组办公室" in r.json()["error"]["message"]
    assert (await client.get(f"/api/v1/closures?org_id={(await org_ids(client))['阿巴嘎旗']}")).json()["items"] == []
    # named as the policy says, the office accepts
    policy = {"acceptance_levels": ["county", "office"]}
    assert (await client.put(f"/api/v1/rounds/{demo_round}/closure-policy", json=policy)).status_code == 200
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "已完成。"})
    assert r.status_code == 201 and [lv["kind"] for lv in r.json()["levels"]] == ["office"]


async def test_long_term_tasks_get_the_rounds_attestation_cycle(client, signin, demo_round):
    r = await client.put(f"/api/v1/rounds/{demo_round}/closure-policy", json={"attestation_cycle": "yearly"})
    assert r.status_code == 200, r.text
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round, long_term=True)
    await accepted_closure(client, unit, issue_id)
    issue = (await client.get(f"/api/v1/issues/{issue_id}")).json()
    assert issue["status"] == "completed_long_term" and issue["attestation_cycle"] == "yearly"
