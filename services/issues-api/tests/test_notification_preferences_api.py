"""A user's own notification preferences and contact details, through the API."""

from sqlalchemy import select

from rectify_shared.models import AuditRecord, NotificationPreference, UserAccount

URL = "/api/v1/me/notification-preferences"


async def test_without_preferences_the_inbox_is_immediate_and_email_and_sms_are_off(signin):
    leader = await signin("leader")
    body = (await leader.get(URL)).json()
    assert body["preferences"] == []
    # 企业微信 / 钉钉: at once, once the user's userid is set (setting it is the opt-in)
    assert body["defaults"] == {"inbox": "immediate", "email": "off", "sms": "off", "wecom": "immediate",
                                "dingtalk": "immediate"}  # fmt: skip
    assert body["digest_time"] == "08:30"


async def test_a_user_replaces_their_preferences_and_the_change_is_audited(app, signin):
    op = await signin("abgq")
    wanted = [
        {"event_type": "issue.status_changed", "channel": "inbox", "mode": "digest"},
        {"event_type": "issue.status_changed", "channel": "email", "mode": "digest"},
        {"event_type": "escalation.issued", "level": "warning", "channel": "inbox", "mode": "off"},
        {"event_type": "escalation.issued", "level": "summons", "channel": "sms", "mode": "immediate"},
    ]
    r = await op.put(URL, json={"preferences": wanted})
    assert r.status_code == 200, r.text
    got = {(p["event_type"], p["level"], p["channel"], p["mode"]) for p in r.json()["preferences"]}
    assert got == {(w["event_type"], w.get("level"), w["channel"], w["mode"]) for w in wanted}
    assert (await op.get(URL)).json()["preferences"] == r.json()["preferences"]

    # a PUT is the whole set: what it leaves out is gone
    r = await op.put(URL, json={"preferences": [{"event_type": "*", "channel": "email", "mode": "immediate"}]})
    assert [(p["event_type"], p["mode"]) for p in r.json()["preferences"]] == [("*", "immediate")]
    async with app.state.rectify.read_sessions() as s:
        me = (await s.execute(select(UserAccount.id).where(UserAccount.username == "abgq"))).scalar_one()
        stored = (await s.execute(select(NotificationPreference).where(NotificationPreference.user_id == me))).all()
        actions = (
            await s.execute(
                select(AuditRecord.action).where(
                    AuditRecord.entity_type == "user", AuditRecord.entity_id == str(me), AuditRecord.actor == "abgq"
                )
            )
        ).scalars()
    assert len(stored) == 1
    assert list(actions).count("notification_preferences.replaced") == 2


async def test_urgent_levels_cannot_be_switched_off_or_held_for_the_digest(signin):
    op = await signin("abgq")
    digest_all = {"preferences": [{"event_type": "*", "channel": "inbox", "mode": "digest"}]}
    before = (await op.put(URL, json=digest_all)).json()
    for mode in ("off", "digest"):
        r = await op.put(
            URL,
            json={
                "preferences": [
                    {"event_type": "issue.status_changed", "channel": "email", "mode": "immediate"},
                    {"event_type": "escalation.issued", "level": "supervision", "channel": "inbox", "mode": mode},
                ]
            },
        )
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert "督办" in error["message"] and "约谈" in error["message"] and "at once" in error["message_en"]
        assert error["details"][0]["field"] == "body.preferences.1.mode"
    # nothing half-written: the earlier set stands
    assert (await op.get(URL)).json()["preferences"] == before["preferences"]


async def test_bad_preferences_are_422_naming_the_item(signin):
    op = await signin("abgq")
    cases = [
        ({"event_type": "report.done", "channel": "inbox", "mode": "off"}, "event_type"),
        ({"event_type": "issue.status_changed", "level": "warning", "channel": "inbox", "mode": "off"}, "level"),
        ({"event_type": "escalation.issued", "channel": "sms", "mode": "digest"}, "mode"),
        ({"event_type": "*", "channel": "fax", "mode": "off"}, "channel"),
        ({"event_type": "*", "channel": "email", "mode": "sometimes"}, "mode"),
    ]
    for item, field in cases:
        r = await op.put(URL, json={"preferences": [item]})
        assert r.status_code == 422, (item, r.text)
        assert r.json()["error"]["details"][0]["field"].endswith(field), (item, r.json())
    twice = {"event_type": "*", "channel": "email", "mode": "off"}
    r = await op.put(URL, json={"preferences": [twice, {**twice, "mode": "immediate"}]})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.preferences.1"


async def test_a_user_sets_their_own_phone_and_email_and_an_api_key_has_none(client, signin, anon):
    op = await signin("abgq")
    r = await op.patch("/api/v1/me/contact", json={"phone": "13904790001", "email": "op@abgq.example.gov.cn"})
    assert r.status_code == 200, r.text
    assert (r.json()["phone"], r.json()["email"]) == ("13904790001", "op@abgq.example.gov.cn")
    prefs = (await op.get(URL)).json()
    assert (prefs["phone"], prefs["email"]) == ("13904790001", "op@abgq.example.gov.cn")
    assert (await op.patch("/api/v1/me/contact", json={"email": "not-an-address"})).status_code == 422
    assert (await op.patch("/api/v1/me/contact", json={"phone": "call me"})).status_code == 422
    assert (await op.patch("/api/v1/me/contact", json={"role": "office_admin"})).status_code == 422
    cleared = await op.patch("/api/v1/me/contact", json={"email": None})
    assert cleared.json()["email"] is None and cleared.json()["phone"] == "13904790001"

    key = (await client.post("/api/v1/api-keys", json={"name": "自治区系统"})).json()["secret"]
    r = await anon.get(URL, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_a_person"
