"""Webhook subscriptions, the inbox, the delivery log and templates, through the API."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from rectify_shared.ids import new_id
from rectify_shared.models import Delivery, InboxMessage, UserAccount


async def user_id(app, username: str) -> int:
    async with app.state.rectify.read_sessions() as s:
        return (await s.execute(select(UserAccount.id).where(UserAccount.username == username))).scalar_one()


async def test_an_integration_subscribes_and_the_secret_is_shown_once(client, anon):
    key = (await client.post("/api/v1/api-keys", json={"name": "自治区系统"})).json()["secret"]
    auth = {"Authorization": f"Bearer {key}"}
    r = await anon.post(
        "/api/v1/webhooks",
        headers=auth,
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["escalation.issued", "issue.status_changed"]},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_") and created["owner"].startswith("apikey:")
    listed = (await anon.get("/api/v1/webhooks", headers=auth)).json()["items"]
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]
    bad = await anon.post(
        "/api/v1/webhooks", headers=auth, json={"url": "http://127.0.0.1:9/x", "event_types": ["nope"]}
    )
    assert bad.status_code == 422
    assert (
        await anon.post("/api/v1/webhooks", headers=auth, json={"url": "not a url", "event_types": ["*"]})
    ).status_code == 422
    r = await anon.post(f"/api/v1/webhooks/{created['id']}/disable", headers=auth)
    assert r.status_code == 200 and r.json()["active"] is False
    types = (await anon.get("/api/v1/event-types", headers=auth)).json()
    assert {"escalation.issued", "issue.status_changed", "progress.reported", "report.done"} <= {
        t["type"] for t in types
    }
    # each type with its payload's JSON Schema (the same as the OpenAPI document's webhooks section)
    by_type = {t["type"]: t for t in types}
    created_schema = by_type["escalation.created"]["schema"]
    assert created_schema["type"] == "object" and len(created_schema["required"]) == 11
    assert {"from", "to"} <= set(by_type["issue.status_changed"]["schema"]["properties"])
    assert by_type["progress.reported"]["schema"]["properties"]["id"]["type"] == "string"  # a 63-bit id


async def test_the_inbox_is_the_users_own(app, client, signin):
    leader = await signin("leader")
    me = await user_id(app, "leader")
    other = await user_id(app, "abgq")
    now = datetime.now(UTC)
    async with app.state.rectify.write_sessions() as s:
        mine = [
            InboxMessage(
                id=new_id(),
                created_at=now - timedelta(minutes=i),
                user_id=me,
                event_id=str(i),
                event_type="escalation.issued",
                title=f"督办{i}",
                body="请于12月31日前书面回复",
            )
            for i in range(3)
        ]
        theirs = InboxMessage(
            id=new_id(),
            created_at=now,
            user_id=other,
            event_id="9",
            event_type="escalation.issued",
            title="预警",
            body="…",
        )
        s.add_all([*mine, theirs])
        await s.commit()
    items = (await leader.get("/api/v1/inbox")).json()["items"]
    assert [i["title"] for i in items] == ["督办0", "督办1", "督办2"] and not any(i["read"] for i in items)
    assert (await leader.post(f"/api/v1/inbox/{items[0]['id']}/read")).status_code == 204
    assert [i["title"] for i in (await leader.get("/api/v1/inbox?unread=true")).json()["items"]] == ["督办1", "督办2"]
    assert (await leader.post(f"/api/v1/inbox/{theirs.id}/read")).status_code == 404
    assert (await leader.post("/api/v1/inbox/read-all")).status_code == 204
    assert (await leader.get("/api/v1/inbox?unread=true")).json()["items"] == []
    page = (await leader.get("/api/v1/inbox?limit=2")).json()
    rest = (await leader.get(f"/api/v1/inbox?limit=2&cursor={page['next_cursor']}")).json()
    assert [i["title"] for i in page["items"] + rest["items"]] == ["督办0", "督办1", "督办2"]


async def test_failed_deliveries_are_visible_and_can_be_retried(app, client, signin):
    now = datetime.now(UTC)

    def delivery(state: str, channel: str) -> Delivery:
        return Delivery(
            id=new_id(),
            created_at=now,
            event_id=str(new_id()),
            event_type="escalation.issued",
            event_month="2026-11",
            channel=channel,
            recipient="org:2",
            address="office@xlgl.example.gov.cn",
            org_path="/1/2/",
            subject="督办",
            body="…",
            state=state,
            attempts=8,
            last_error="550 mailbox unavailable",
            idempotency_key=f"k{new_id()}",
        )

    failed, sent = delivery("failed", "email"), delivery("sent", "sms")
    async with app.state.rectify.write_sessions() as s:
        s.add_all([failed, sent])
        await s.commit()
    rows = (await client.get("/api/v1/deliveries?state=failed")).json()["items"]
    assert [r["id"] for r in rows] == [str(failed.id)] and rows[0]["last_error"] == "550 mailbox unavailable"
    assert [r["id"] for r in (await client.get("/api/v1/deliveries?channel=sms")).json()["items"]] == [str(sent.id)]
    r = await client.post(f"/api/v1/deliveries/{failed.id}/retry")
    assert r.status_code == 200 and r.json()["state"] == "pending"
    assert (await client.post(f"/api/v1/deliveries/{sent.id}/retry")).status_code == 409
    unit = await signin("abgq")
    assert (await unit.get("/api/v1/deliveries")).status_code == 403


async def test_templates_are_validated(client):
    good = {
        "subject": "【{{ level_text }}】第{{ seq }}项问题",
        "body": "{{ org_name }}：请于{{ response_due }}前书面回复。",
    }
    r = await client.put("/api/v1/templates/escalation.issued/email", json=good)
    assert r.status_code == 200 and r.json()["updated_by"] == "admin"
    assert (
        await client.put("/api/v1/templates/escalation.issued/email", json={"body": "{{ broken"})
    ).status_code == 422
    assert (await client.put("/api/v1/templates/escalation.issued/fax", json=good)).status_code == 422
