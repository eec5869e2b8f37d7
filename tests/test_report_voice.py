"""Reports speak for the right org (issue 18, seen #11): the demo admin sits at 内蒙古自治区, so a
league report was titled 内蒙古自治区… while its text said 我盟 and it was signed 锡林郭勒盟; a
city's petition notice said 全区. A report's title, wording and signature now come from one org:
the round's (the parent of its 督察整改办) unless the request names another in scope."""

from typing import Any

from sqlalchemy import select

from rectify_shared.models import ReportFile, ReportJob
from report_worker.jobs import render_report

TITLE = "锡林郭勒盟第二轮中央生态环境保护督察整改落实情况报告"


async def render(app: Any, report_id: int, *, reused: bool = False) -> str:
    state = app.state.rectify
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    if not reused:  # the same request on unchanged data gets the report already made
        assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with state.read_sessions() as s:
        content = (await s.execute(select(ReportFile.content).where(ReportFile.report_id == report_id))).scalar_one()
    return str(content.decode("utf-8"))


async def requested(app: Any, caller: Any, body: dict[str, Any]) -> tuple[str, int]:
    r = await caller.post("/api/v1/reports", json={"format": "md", **body})
    assert r.status_code in (200, 202), r.text
    async with app.state.rectify.read_sessions() as s:
        job = await s.get(ReportJob, r.json()["id"])
        assert job is not None
        org_id = job.org_id
    return await render(app, r.json()["id"], reused=r.json()["reused"]), int(org_id or 0)


async def test_the_admin_at_the_region_gets_the_leagues_report(app, client, signin, demo_round):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    assert (await client.get("/api/v1/me")).json()["org"]["name"] == "内蒙古自治区"
    text, org_id = await requested(app, client, {"kind": "progress_report", "round_id": demo_round})
    assert text.startswith(f"# {TITLE}") and org_id == orgs["锡林郭勒盟"]
    assert "内蒙古自治区第二轮" not in text
    # the office's clerk, and a request naming the office itself, speak with the same voice
    clerk = await signin("xlgl_zgb")
    office = orgs["锡林郭勒盟生态环境保护督察整改工作领导小组办公室"]
    for caller, body in ((clerk, {}), (client, {"org_id": office})):
        text, org_id = await requested(app, caller, {"kind": "progress_report", "round_id": demo_round, **body})
        assert text.startswith(f"# {TITLE}") and org_id == orgs["锡林郭勒盟"]
    # the petition notice speaks of 全盟 and is signed by the league
    text, _ = await requested(app, client, {"kind": "petition_notice", "round_id": demo_round})
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert "全盟" in text and "全区" not in text and lines[-2] == "锡林郭勒盟"
    # a request naming another org in scope is that org's report; a unit's is its own
    text, _ = await requested(app, client, {"kind": "ledger", "round_id": demo_round, "org_id": orgs["内蒙古自治区"]})
    assert text.startswith("# 内蒙古自治区")
    unit = await signin("abgq")
    text, org_id = await requested(app, unit, {"kind": "ledger", "round_id": demo_round})
    assert text.startswith("# 阿巴嘎旗贯彻落实") and org_id == orgs["阿巴嘎旗"]


async def test_a_citys_petition_notice_says_quanshi(app, client, demo_round):
    nmg = (await client.get("/api/v1/me")).json()["org"]["id"]
    city = (await client.post("/api/v1/orgs", json={"name": "乌兰察布市", "kind": "league", "parent_id": nmg})).json()
    r = await client.post(
        "/api/v1/rounds",
        json={
            "name": "第二轮中央生态环境保护督察",
            "inspection_team": "中央第三生态环境保护督察组",
            "target_region": "内蒙古自治区",
            "org_id": city["id"],
        },
    )
    assert r.status_code == 201, r.text
    text, org_id = await requested(app, client, {"kind": "petition_notice", "round_id": r.json()["id"]})
    assert org_id == city["id"] and text.startswith("# 乌兰察布市")
    assert "尚未向全市交办信访举报件" in text and "全区" not in text
