"""A qualitative target (保持达标) is an indicator, not a 422: the office records whether it was
met, period by period; the indicators report states every target before any value exists."""

from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.timezone import today

from .conftest import render_demo_report


async def test_a_target_in_words_is_judged_by_the_office_and_reported(app, client, signin, demo_round):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    body = {
        "name": "地表水国考断面水质",
        "kind": "qualitative",
        "target": "保持达标",
        "org_id": orgs["锡林郭勒盟住房和城乡建设局"],
    }
    body["round_id"] = demo_round
    # the same words on a measured indicator are still refused, and say why
    r = await client.post("/api/v1/indicators", json={**body, "kind": "level", "unit": "类"})
    assert r.status_code == 422
    r = await client.post("/api/v1/indicators", json={**body, "target": None})
    assert r.status_code == 422  # a qualitative indicator needs its target in words

    r = await client.post("/api/v1/indicators", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["target_text"], created["target"], created["kind"]) == ("保持达标", None, "qualitative")
    iid = created["id"]

    async def report() -> str:
        return (
            await render_demo_report(app, demo_round, ReportKind.indicators, ReportFormat.md, as_of=today())
        ).decode()

    text = await report()
    section = text[text.index("地表水国考断面水质") :]
    assert section.startswith("地表水国考断面水质\n\n目标：保持达标。\n\n尚未填报。")
    # every measured indicator states its target too, before its figures
    assert "目标：到2025年80平方公里。" in text

    unit = await signin("xlgl_zjj")
    r = await unit.post(f"/api/v1/indicators/{iid}/values", json={"period": "2024", "met": True})
    assert r.status_code == 403 and "督察整改办" in r.json()["error"]["message"]
    r = await client.post(f"/api/v1/indicators/{iid}/values", json={"period": "2024", "value": 1})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.met"
    judged = {"period": "2025", "met": False, "source": "盟生态环境局年度监测报告"}
    assert (
        await client.post(f"/api/v1/indicators/{iid}/values", json={"period": "2024", "met": True})
    ).status_code == 201
    assert (await client.post(f"/api/v1/indicators/{iid}/values", json=judged)).status_code == 201

    read = (await client.get(f"/api/v1/indicators/{iid}")).json()
    assert [v["met"] for v in read["series"]] == [True, False]
    assert read["sentence"] == "地表水国考断面水质2025年未达到目标（目标：保持达标）"
    text = await report()
    assert "| 1 | 2024年 | 达到目标 |" in text and "| 2 | 2025年 | 未达到目标 |" in text
