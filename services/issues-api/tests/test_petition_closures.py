"""Petition cases close through the closure workflow when the round's policy says `writeoff`."""

from typing import Any

from .test_closure_workflow import org_ids, upload
from .test_petitions_api import events_of, new_batch, new_case

NOTICE = {"start": "2025-09-26", "days": 10, "day_kind": "working", "medium": "盟行署网站", "contact": "0479-8888888"}


async def _writeoff_policy(client: Any, round_id: int) -> None:
    r = await client.put(f"/api/v1/rounds/{round_id}/closure-policy", json={"petition_closure": "writeoff"})
    assert r.status_code == 200, r.text


async def _case(client: Any, round_id: int, intake: str = "D3NM202509260101") -> dict[str, Any]:
    orgs = await org_ids(client)
    batch = await new_batch(client, round_id, batch_no=301)
    return await new_case(client, batch["id"], orgs["阿巴嘎旗"], intake=intake, responsible_org_id=orgs["阿巴嘎旗"])


async def test_a_case_goes_from_application_to_write_off(app, client, signin, demo_round):
    await _writeoff_policy(client, demo_round)
    case = await _case(client, demo_round)
    unit = await signin("abgq")
    orgs = await org_ids(client)
    evidence = await upload(unit)
    body = {
        "petition_case_id": case["id"],
        "statement": "料场已全部苫盖，扬尘得到控制。",
        "attachment_ids": [evidence["id"]],
    }
    r = await unit.post("/api/v1/closures", json=body)
    assert r.status_code == 201, r.text
    closure = r.json()
    cid = closure["id"]
    assert closure["petition_case_id"] == case["id"] and closure["issue_id"] is None
    assert closure["attachment_ids"] == [evidence["id"]]
    # the county applied for its own case: it neither reviews nor accepts it; the league does
    assert [lv["org"]["id"] for lv in closure["levels"]] == [orgs["锡林郭勒盟"]]
    # a second application while this one runs is refused
    assert (await unit.post("/api/v1/closures", json=body)).status_code == 409

    assert (await unit.post(f"/api/v1/closures/{cid}/review", json={"approve": True})).status_code == 403
    assert (await client.post(f"/api/v1/closures/{cid}/review", json={"approve": True})).status_code == 200
    r = await client.post(f"/api/v1/closures/{cid}/accept", json={"comment": "盟级验收通过"})
    assert r.status_code == 200 and r.json()["state"] == "accepted", r.text
    url = f"/api/v1/petition-cases/{case['id']}"
    assert (await client.get(url)).json()["state"] == "in_progress"  # acceptance does not close the case

    assert (await client.post(f"/api/v1/closures/{cid}/publicity", json=NOTICE)).status_code == 200
    # a case's closure has no public notice page
    assert cid not in [n["id"] for n in (await client.get("/public/notices")).json()["items"]]
    r = await client.post(f"/api/v1/closures/{cid}/writeoff", json={"comment": "公示期满无异议，同意销号"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "written_off"

    got = (await client.get(url)).json()
    assert got["state"] == "closed" and got["certified_at"]
    assert got["certified_by"] == (await client.get("/api/v1/me")).json()["org"]["name"]
    assert (await events_of(app, case["id"]))[-1] == "petition_case.closed"
    listed = (await unit.get("/api/v1/closures?state=written_off")).json()["items"]
    assert cid in [c["id"] for c in listed]
    # a unit of another county sees neither the case nor its closure
    other = await signin("xlhts")
    assert (await other.get(f"/api/v1/closures/{cid}")).status_code == 404
    r = await other.post("/api/v1/closures", json={**body, "attachment_ids": []})
    assert r.status_code == 422


async def test_closing_a_case_directly_is_refused_under_writeoff(client, demo_round):
    await _writeoff_policy(client, demo_round)
    case = await _case(client, demo_round)
    url = f"/api/v1/petition-cases/{case['id']}"
    body = {
        "state": "closed",
        "verdict": "substantiated",
        "certified_by": "自治区生态环境厅",
        "certified_at": "2025-10-20",
    }
    r = await client.patch(url, json=body)
    assert r.status_code == 409 and "POST /api/v1/closures" in r.json()["error"]["message_en"]
    got = (await client.get(url)).json()
    assert got["state"] == "in_progress" and got["certified_by"] is None  # nothing half-written


async def test_case_closures_are_refused_under_certification_and_need_one_target(client, demo_round):
    case = await _case(client, demo_round)
    r = await client.post("/api/v1/closures", json={"petition_case_id": case["id"], "statement": "已办结。"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "certification_policy"
    for bad in ({"statement": "x"}, {"petition_case_id": case["id"], "issue_id": 1, "statement": "x"}):
        assert (await client.post("/api/v1/closures", json=bad)).status_code == 422
    r = await client.get("/api/v1/closures")
    assert case["id"] not in [c["petition_case_id"] for c in r.json()["items"]]
