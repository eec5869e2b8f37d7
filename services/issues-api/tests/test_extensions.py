"""延期: asked before the deadline; an approved date becomes the deadline, the original is kept."""

from datetime import timedelta

from rectify_shared.timezone import today


async def test_extension_request_approve_and_reject(client, signin, demo_round):
    unit = await signin("abgq")
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    deadline = today() + timedelta(days=30)
    body = {"round_id": demo_round, "category": "测试", "description": "延期测试", "lead_org_id": orgs["阿巴嘎旗"]}
    issue_id = (await client.post("/api/v1/issues", json={**body, "deadline": deadline.isoformat()})).json()["id"]
    url = f"/api/v1/issues/{issue_id}/extension-requests"
    later = (deadline + timedelta(days=90)).isoformat()

    r = await unit.post(url, json={"reason": "冬季无法施工", "proposed_deadline": deadline.isoformat()})
    assert r.status_code == 422  # not later than the deadline
    r = await unit.post(url, json={"reason": "冬季无法施工", "proposed_deadline": later})
    assert r.status_code == 201 and r.json()["state"] == "pending"
    first = r.json()["id"]
    assert (await unit.post(url, json={"reason": "再次", "proposed_deadline": later})).status_code == 409
    assert (await unit.post(f"/api/v1/extension-requests/{first}/approve")).status_code == 403

    r = await client.post(f"/api/v1/extension-requests/{first}/approve", json={"comment": "同意"})
    assert r.status_code == 200 and r.json()["state"] == "approved"
    issue = (await client.get(f"/api/v1/issues/{issue_id}")).json()
    assert issue["deadline"] == later and issue["original_deadline"] == deadline.isoformat()
    assert (await client.post(f"/api/v1/extension-requests/{first}/approve")).status_code == 409

    even_later = (deadline + timedelta(days=180)).isoformat()
    second = (await unit.post(url, json={"reason": "仍需延期", "proposed_deadline": even_later})).json()["id"]
    assert (await client.post(f"/api/v1/extension-requests/{second}/reject", json={})).status_code == 422
    r = await client.post(f"/api/v1/extension-requests/{second}/reject", json={"comment": "理由不充分"})
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    assert (await client.get(f"/api/v1/issues/{issue_id}")).json()["deadline"] == later
    assert [e["state"] for e in (await unit.get(url)).json()] == ["approved", "rejected"]
    assert (await (await signin("xlhts")).get(url)).status_code == 404


async def test_no_extension_after_the_deadline(client, signin, demo_round):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    past = (today() - timedelta(days=1)).isoformat()
    body = {"round_id": demo_round, "category": "测试", "description": "已逾期", "lead_org_id": orgs["阿巴嘎旗"]}
    issue_id = (await client.post("/api/v1/issues", json={**body, "deadline": past})).json()["id"]
    r = await (await signin("abgq")).post(
        f"/api/v1/issues/{issue_id}/extension-requests", json={"reason": "晚了", "proposed_deadline": "2099-01-01"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "deadline_passed"


async def test_the_office_lists_what_waits_for_its_decision(client, signin, demo_round):
    """GET /extension-requests: the requests on the problems a caller may see, newest first; `pending`
    is the office's in-tray."""
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    deadline = today() + timedelta(days=30)
    later = (deadline + timedelta(days=60)).isoformat()
    asked = {}
    for unit_name, org in (("abgq", "阿巴嘎旗"), ("xlhts", "锡林浩特市")):
        body = {"round_id": demo_round, "category": "测试", "description": f"{org}延期", "lead_org_id": orgs[org]}
        issue_id = (await client.post("/api/v1/issues", json={**body, "deadline": deadline.isoformat()})).json()["id"]
        r = await (await signin(unit_name)).post(
            f"/api/v1/issues/{issue_id}/extension-requests", json={"reason": "冬季停工", "proposed_deadline": later}
        )
        assert r.status_code == 201, r.text
        asked[unit_name] = r.json()["id"]
    r = await client.post(f"/api/v1/extension-requests/{asked['abgq']}/approve", json={})
    assert r.status_code == 200, r.text

    pending = (await client.get("/api/v1/extension-requests?state=pending&limit=200")).json()["items"]
    assert asked["xlhts"] in [e["id"] for e in pending] and asked["abgq"] not in [e["id"] for e in pending]
    assert all(e["state"] == "pending" for e in pending)
    first = (await client.get("/api/v1/extension-requests?limit=1")).json()
    assert [e["id"] for e in first["items"]] == [asked["xlhts"]] and first["next_cursor"]
    second = (await client.get(f"/api/v1/extension-requests?limit=1&cursor={first['next_cursor']}")).json()
    assert [e["id"] for e in second["items"]] == [asked["abgq"]]
    assert second["items"][0]["original_deadline"] == deadline.isoformat()
    # a unit sees the requests on its own problems only
    mine = (await (await signin("abgq")).get("/api/v1/extension-requests?limit=200")).json()["items"]
    assert asked["abgq"] in [e["id"] for e in mine] and asked["xlhts"] not in [e["id"] for e in mine]
    assert (await client.get("/api/v1/extension-requests?state=lost")).status_code == 422
