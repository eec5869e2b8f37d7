"""Security review finding 2: objectors' names and phones reach only the office deciding objections.

The closure is put into its notice period directly in the database (how it got there is the
workflow's business); an objection is filed on the public page. Each role then reads the closure:
the office admin sees name and contact; the applicant unit, a leader and an integration key see
the content, the time and the decision only. Events (the outbox the change feed and webhooks are
made from) and audit records carry neither.
"""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from rectify_shared.enums import ClosureState
from rectify_shared.models import AuditRecord, Closure, OutboxEvent
from rectify_shared.timezone import today

from .test_closure_workflow import county_task

NAME, PHONE = "王实名", "13912345678"


async def _closure_with_objection(app: Any, client: Any, unit: Any, anon: Any, round_id: int) -> tuple[int, int]:
    issue_id = await county_task(client, round_id)
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "已完成。"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    async with app.state.rectify.write_sessions() as s:
        c = await s.get(Closure, cid)
        c.state = ClosureState.in_publicity
        c.publicity_start, c.publicity_end = today() - timedelta(days=1), today() + timedelta(days=9)
        c.publicity_days, c.publicity_medium, c.publicity_contact = 10, "网站", "0479"
        await s.commit()
    body = {"name": NAME, "contact": PHONE, "content": "矿区仍有裸露"}
    r = await anon.post(f"/public/notices/{cid}/objections", json=body)
    assert r.status_code == 201, r.text
    return cid, r.json()["objection_id"]


async def _integration(app: Any, client: Any) -> httpx.AsyncClient:
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    r = await client.post("/api/v1/api-keys", json={"name": "自治区系统", "org_id": orgs["锡林郭勒盟"]})
    assert r.status_code == 201, r.text
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://rectify.test",
        headers={"Authorization": f"Bearer {r.json()['secret']}"},
    )


def _objection(body: dict[str, Any], oid: int) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in body["objections"] if o["id"] == oid)
    return found


async def test_finding_02_objection_pii_office_admin_sees_name_and_contact(app, client, signin, anon, demo_round):
    cid, oid = await _closure_with_objection(app, client, await signin("abgq"), anon, demo_round)
    seen = _objection((await client.get(f"/api/v1/closures/{cid}")).json(), oid)
    assert (seen["name"], seen["contact"], seen["content"]) == (NAME, PHONE, "矿区仍有裸露")
    assert seen["objector_withheld"] is False


async def test_finding_02_objection_pii_hidden_from_applicant_unit(app, client, signin, anon, demo_round):
    unit = await signin("abgq")
    cid, oid = await _closure_with_objection(app, client, unit, anon, demo_round)
    r = await unit.get(f"/api/v1/closures/{cid}")
    assert r.status_code == 200
    seen = _objection(r.json(), oid)
    assert seen["name"] == "" and seen["contact"] == "" and seen["objector_withheld"] is True
    assert seen["content"] == "矿区仍有裸露" and seen["filed_at"] and "decision" in seen
    assert NAME not in r.text and PHONE not in r.text


async def test_finding_02_objection_pii_hidden_from_leader(app, client, signin, anon, demo_round):
    cid, oid = await _closure_with_objection(app, client, await signin("abgq"), anon, demo_round)
    r = await (await signin("leader")).get(f"/api/v1/closures/{cid}")
    assert r.status_code == 200
    assert _objection(r.json(), oid)["content"] == "矿区仍有裸露"
    assert NAME not in r.text and PHONE not in r.text


async def test_finding_02_objection_pii_hidden_from_integration_key(app, client, signin, anon, demo_round):
    cid, oid = await _closure_with_objection(app, client, await signin("abgq"), anon, demo_round)
    async with await _integration(app, client) as key:
        r = await key.get(f"/api/v1/closures/{cid}")
    assert r.status_code == 200
    assert _objection(r.json(), oid)["content"] == "矿区仍有裸露"
    assert NAME not in r.text and PHONE not in r.text


async def test_finding_02_objection_pii_kept_out_of_events_and_audit(app, client, signin, anon, demo_round):
    cid, oid = await _closure_with_objection(app, client, await signin("abgq"), anon, demo_round)
    decision = {"upheld": False, "reason": "不属实"}
    r = await client.post(f"/api/v1/closures/{cid}/objections/{oid}/decision", json=decision)
    assert r.status_code == 200, r.text
    await app.state.relay.run_once()
    async with app.state.rectify.write_sessions() as s:
        events = (await s.execute(select(OutboxEvent))).scalars().all()
        audit = (await s.execute(select(AuditRecord))).scalars().all()
    stored = " ".join(str(e.model_dump()) for e in [*events, *audit])
    assert "objection_filed" in stored and NAME not in stored and PHONE not in stored
