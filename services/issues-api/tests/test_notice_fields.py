"""The fields real documents carry (issue 24), through the API: a 公示's own wording, a task's
display number and a round's document settings; bad input is a 422 that writes nothing."""

from datetime import timedelta

from rectify_shared.timezone import today

from .test_closure_workflow import accepted_closure, county_task, org_ids

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


async def test_a_notice_carries_its_own_wording_to_the_api_and_the_public_page(client, signin, demo_round, anon):
    unit = await signin("abgq")
    cid = (await accepted_closure(client, unit, await county_task(client, demo_round)))["id"]
    issuer = (await org_ids(client))["阿巴嘎旗"]
    start = (today() - timedelta(days=1)).isoformat()
    base = {"start": start, "days": 7, "day_kind": "calendar"}
    bad = [
        {"issuer_org_id": 10**6},  # no such org (or not in the caller's scope)
        {"legal_basis": "《实施办法》"},  # a legal basis says 根据…
        {"days_shown": "working"},  # calendar days cannot be shown as working days
        {"contacts": [{"label": " ", "value": "0479"}]},
        {"closing": "x" * 51},
    ]
    for extra in bad:
        r = await client.post(f"/api/v1/closures/{cid}/publicity", json={**base, **extra})
        assert r.status_code == 422, (extra, r.text)
        assert r.json()["error"]["message"] and r.json()["error"]["message_en"]
    closure = (await client.get(f"/api/v1/closures/{cid}")).json()
    assert closure["state"] == "accepted" and closure["publicity"] is None  # nothing written

    notice = {
        **base,
        "legal_basis": "根据《锡林郭勒盟生态环境保护督察整改工作实施办法》，",
        "issuer_org_id": issuer,
        "contacts": [{"label": "联系电话：", "value": "0479-8888888"}, {"label": "电子邮箱", "value": "a@b.cn"}],
        "attachment_title": "整改任务销号情况表",
        "closing": "特此公示。",
        "days_shown": "none",
    }  # no medium: it is optional now
    r = await client.post(f"/api/v1/closures/{cid}/publicity", json=notice)
    assert r.status_code == 200, r.text
    p = r.json()["publicity"]
    assert p["legal_basis"] == "根据《锡林郭勒盟生态环境保护督察整改工作实施办法》" and p["closing"] == "特此公示"
    assert p["issuer"] == {"id": issuer, "name": "阿巴嘎旗"} and p["medium"] == "" and p["days_shown"] == "none"
    assert p["contacts"] == [{"label": "联系电话", "value": "0479-8888888"}, {"label": "电子邮箱", "value": "a@b.cn"}]

    public = (await anon.get(f"/public/notices/{cid}")).json()
    assert public["issuer"] == "阿巴嘎旗" and public["days_text"] == ""
    assert public["contacts"][0] == {"label": "联系电话", "value": "0479-8888888"}
    page = (await anon.get(f"/public/notices/{cid}", headers=BROWSER)).text
    assert '<dd id="issuer">阿巴嘎旗</dd>' in page and "<dt>电子邮箱</dt><dd>a@b.cn</dd>" in page
    assert "（7日）" not in page


async def test_a_task_keeps_its_display_number_and_a_round_its_status_words_and_numbering(client, signin, demo_round):
    issue_id = await county_task(client, demo_round)
    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"display_no": "   "})).status_code == 422
    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"display_no": "x" * 21})).status_code == 422
    assert (await client.get(f"/api/v1/issues/{issue_id}")).json()["display_no"] is None
    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"display_no": "序号十"})
    assert r.status_code == 200, r.text
    got = (await client.get(f"/api/v1/issues/{issue_id}")).json()
    assert got["display_no"] == "序号十" and isinstance(got["seq"], int)
    listed = (await client.get(f"/api/v1/issues?round_id={demo_round}&limit=200")).json()["items"]
    assert next(i for i in listed if i["id"] == issue_id)["display_no"] == "序号十"

    url = f"/api/v1/rounds/{demo_round}/document-settings"
    assert (await client.get(f"/api/v1/rounds/{demo_round}")).json()["document_settings"] == {
        "status_words": {},
        "aspect_numbering": "一、",
        "measure_numbering": "（一）",
    }
    for body in (
        {"aspect_numbering": "A."},
        {"status_words": {"finished": "完成"}},
        {"status_words": {"completed": ""}},
        {"status_words": {"completed": "已完成\n整改"}},
    ):
        r = await client.put(url, json=body)
        assert r.status_code == 422, (body, r.text)
    unit = await signin("abgq")
    assert (await unit.put(url, json={"aspect_numbering": "1."})).status_code == 403
    assert (await client.get(f"/api/v1/rounds/{demo_round}")).json()["document_settings"]["aspect_numbering"] == "一、"

    body = {"status_words": {"completed_long_term": "已经完成，长期坚持"}, "aspect_numbering": "（一）"}
    r = await client.put(url, json=body)
    assert r.status_code == 200, r.text
    settings = (await client.get(f"/api/v1/rounds/{demo_round}")).json()["document_settings"]
    assert settings == {**body, "measure_numbering": "（一）"}
