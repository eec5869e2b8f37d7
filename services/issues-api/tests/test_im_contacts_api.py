"""企业微信 / 钉钉 addresses through the API: a user's userids (their own, or set by an
administrator) and an org's group robots — checked, encrypted at rest, never shown back or audited
in clear."""

from sqlalchemy import select, text

from rectify_shared.models import AuditRecord, Org

ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
DING = "https://oapi.dingtalk.com/robot/send?access_token=" + "c0ffee" * 8
DING_SECRET = "SEC" + "0123456789abcdef" * 4


async def _raw(app, sql: str, **params) -> list:
    async with app.state.rectify.read_sessions() as s:
        return list((await s.execute(text(sql), params)).all())


async def test_userids_are_set_by_the_user_or_an_administrator_and_kept_encrypted(app, client, signin):
    op = await signin("abgq")
    r = await op.patch("/api/v1/me/contact", json={"wecom_userid": "ZhangSan", "dingtalk_userid": "manager4220"})
    assert r.status_code == 200, r.text
    assert (r.json()["wecom_userid"], r.json()["dingtalk_userid"]) == ("ZhangSan", "manager4220")
    assert (await op.get("/api/v1/me/contact")).json()["wecom_userid"] == "ZhangSan"
    bad = await op.patch("/api/v1/me/contact", json={"wecom_userid": "张 三", "dingtalk_userid": "ok"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"].endswith("wecom_userid")
    assert (await op.get("/api/v1/me/contact")).json()["dingtalk_userid"] == "manager4220"  # nothing half-written

    [(uid, wecom, ding)] = await _raw(
        app, "SELECT id, wecom_userid, dingtalk_userid FROM user_account WHERE username = 'abgq'"
    )
    assert wecom.startswith("enc1:") and ding.startswith("enc1:") and "ZhangSan" not in wecom

    r = await client.patch(f"/api/v1/users/{uid}", json={"wecom_userid": "ZhangSan2", "dingtalk_userid": None})
    assert r.status_code == 200, r.text
    assert (r.json()["wecom_userid"], r.json()["dingtalk_userid"]) == ("ZhangSan2", None)
    other = await signin("leader")  # not an administrator of accounts
    assert (await other.patch(f"/api/v1/users/{uid}", json={"wecom_userid": "x"})).status_code in (403, 404)
    assert (await op.get("/api/v1/me/contact")).json()["wecom_userid"] == "ZhangSan2"


async def test_an_org_robot_must_be_on_the_provider_origin_and_its_key_is_never_shown(app, client):
    async with app.state.rectify.read_sessions() as s:
        org_id = (await s.execute(select(Org.id).where(Org.parent_id.is_not(None)).limit(1))).scalar_one()
    url = f"/api/v1/orgs/{org_id}"
    for body, field in (
        ({"wecom_robot_url": "http://169.254.169.254/cgi-bin/webhook/send?key=k"}, "wecom_robot_url"),
        ({"wecom_robot_url": "https://qyapi.weixin.qq.com/cgi-bin/message/send?key=k"}, "wecom_robot_url"),
        ({"dingtalk_robot_url": "https://oapi.dingtalk.com/robot/send"}, "dingtalk_robot_url"),
        ({"dingtalk_robot_url": DING, "dingtalk_robot_secret": "not-a-secret"}, "dingtalk_robot_secret"),
    ):
        r = await client.patch(url, json={"name": "改名不应生效", **body})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["details"][0]["field"].endswith(field) and error["message"] and error["message_en"]
    org = (await client.get(url)).json()
    assert org["name"] != "改名不应生效" and org["wecom_robot"] is False and org["dingtalk_robot"] is False

    r = await client.patch(url, json={"wecom_robot_url": ROBOT, "dingtalk_robot_url": DING,
                                      "dingtalk_robot_secret": DING_SECRET})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["wecom_robot"] is True and r.json()["dingtalk_robot"] is True
    assert "693a91f6" not in r.text and "c0ffee" not in r.text and "SEC0123" not in r.text
    [row] = await _raw(
        app, "SELECT wecom_robot_url, dingtalk_robot_url, dingtalk_robot_secret FROM org WHERE id = :i", i=org_id
    )
    assert all(v.startswith("enc1:") for v in row) and "693a91f6" not in "".join(row)
    async with app.state.rectify.read_sessions() as s:
        audit = (await s.execute(select(AuditRecord).where(AuditRecord.entity_type == "org"))).scalars().all()
    logged = " ".join(str(a.before) + str(a.after) for a in audit)
    assert "wecom_robot_url" in logged and "693a91f6" not in logged and "SEC0123" not in logged

    cleared = await client.patch(url, json={"wecom_robot_url": None})
    assert cleared.json()["wecom_robot"] is False and cleared.json()["dingtalk_robot"] is True
