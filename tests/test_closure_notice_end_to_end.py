"""A closure's documents from the API to the file: a 10-working-day notice started before National
Day ends on the work calendar's day, and the notice carries the task's completion table."""

from typing import Any

from sqlalchemy import select

from rectify_shared.models import ReportFile
from report_worker.jobs import render_report

GOAL = "完成矿区生态修复，植被覆盖度达到周边水平"
STATEMENT = "矿区生态修复已完成，经第三方评估达标。"


async def render(app: Any, report_id: int) -> str:
    state = app.state.rectify
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with state.read_sessions() as s:
        content = (await s.execute(select(ReportFile.content).where(ReportFile.report_id == report_id))).scalar_one()
    return str(content.decode("utf-8"))


async def applied_county_task(client: Any, unit: Any, round_id: int) -> int:
    """A task led by 阿巴嘎旗, in progress, for which 阿巴嘎旗 (`unit`) applied for 销号."""
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    r = await client.post(
        "/api/v1/issues",
        json={
            "round_id": round_id,
            "category": "其他需要关注的问题方面",
            "description": "阿巴嘎旗某矿区生态修复不到位",
            "goal": GOAL,
            "lead_org_id": orgs["阿巴嘎旗"],
            "responsible_org_ids": [orgs["阿巴嘎旗"]],
        },
    )
    assert r.status_code == 201, r.text
    issue_id = r.json()["id"]
    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "in_progress"})).status_code == 200
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": STATEMENT})
    assert r.status_code == 201, r.text
    cid: int = r.json()["id"]
    return cid


async def accepted_county_task(client: Any, unit: Any, round_id: int) -> int:
    """Applied by 阿巴嘎旗; reviewed and accepted (one level, 锡林郭勒盟: the county cannot accept itself)
    by the office admin."""
    cid = await applied_county_task(client, unit, round_id)
    assert (await client.post(f"/api/v1/closures/{cid}/review", json={"approve": True})).status_code == 200
    assert (await client.post(f"/api/v1/closures/{cid}/accept", json={"comment": "盟级验收通过"})).status_code == 200
    return cid


def report(round_id: int, kind: str, closure_id: int, fmt: str = "md") -> dict[str, Any]:
    return {"kind": kind, "round_id": round_id, "format": fmt, "closure_id": closure_id}


async def test_the_notice_shows_the_working_day_period_across_national_day(app, client, signin, demo_round):
    unit, other = await signin("abgq"), await signin("xlhts")
    cid = await accepted_county_task(client, unit, demo_round)

    # no notice document before the notice starts; the approval form is there from the start
    r = await client.post("/api/v1/reports", json=report(demo_round, "closure_notice", cid))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.closure_id"
    r = await client.post("/api/v1/reports", json={"kind": "closure_form", "round_id": demo_round, "format": "md"})
    assert r.status_code == 422  # the closure must be named

    notice = {
        "start": "2025-09-26",
        "days": 10,
        "day_kind": "working",
        "medium": "盟行署网站",
        "contact": "0479-8888888",
    }
    assert (await client.post(f"/api/v1/closures/{cid}/publicity", json=notice)).status_code == 200

    r = await unit.post("/api/v1/reports", json=report(demo_round, "closure_notice", cid))
    assert r.status_code == 202, r.text
    text = await render(app, r.json()["id"])
    assert "# 关于第二轮中央生态环境保护督察整改任务销号的公示" in text
    # 9/26 (1), 9/28 调休, 9/29, 9/30, National Day 10/1–10/8, 10/9, 10/10, 10/11 调休, 10/13, 10/14, 10/15 (10)
    assert "公示期为2025年9月26日至2025年10月15日（10个工作日）。" in text
    assert "联系方式：0479-8888888。" in text and "公示媒介：盟行署网站。" in text
    row = next(line for line in text.splitlines() if line.startswith("| 第") and "阿巴嘎旗某矿区" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "阿巴嘎旗（牵头）" and cells[2] == GOAL and cells[4] == STATEMENT

    r = await client.post("/api/v1/reports", json=report(demo_round, "closure_form", cid))
    form = await render(app, r.json()["id"])
    assert "| 审核意见（锡林郭勒盟） | 同意<br>admin（内蒙古自治区）　" in form
    assert "| 第1级验收意见（锡林郭勒盟） | 盟级验收通过<br>admin（内蒙古自治区）　" in form

    # another county neither sees the closure nor gets its documents
    r = await other.post("/api/v1/reports", json=report(demo_round, "closure_form", cid))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.closure_id"


async def test_the_applicant_never_reviews_or_accepts_its_own_closure_and_the_form_names_each_org(
    app, client, signin, demo_round
):
    """Seen in issue 18 (#7): `abgq` applied, reviewed and accepted level 1 of its own 销号 within
    9 s, and the 销号审批表 printed "牵头单位审核意见（）" with the org missing."""
    unit, clerk = await signin("abgq"), await signin("xlgl_zgb")
    cid = await applied_county_task(client, unit, demo_round)
    r = await unit.post(f"/api/v1/closures/{cid}/review", json={"approve": True})
    assert r.status_code == 403 and "锡林郭勒盟" in r.json()["error"]["message"]
    r = await clerk.post(f"/api/v1/closures/{cid}/review", json={"approve": True, "comment": "材料齐全，同意报验"})
    assert r.status_code == 200, r.text
    r = await unit.post(f"/api/v1/closures/{cid}/accept", json={"comment": "旗级验收通过"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    detail = (await client.get(f"/api/v1/closures/{cid}")).json()
    assert [lv["org"]["name"] for lv in detail["levels"]] == ["锡林郭勒盟"]  # the county does not accept itself
    assert detail["state"] == "accepting" and detail["accepted_levels"] == 0

    # the form, while acceptance is pending: the reviewing org and user are printed
    r = await client.post("/api/v1/reports", json=report(demo_round, "closure_form", cid))
    form = await render(app, r.json()["id"])
    assert "审核意见（）" not in form
    assert "| 审核意见（锡林郭勒盟） | 材料齐全，同意报验<br>xlgl\\_zgb　" in form
    assert "| 第1级验收意见（锡林郭勒盟） | （待验收） |" in form

    # an office user who applies for a unit cannot review its own application either
    cid2 = await applied_county_task(client, client, demo_round)
    r = await client.post(f"/api/v1/closures/{cid2}/review", json={"approve": True})
    assert r.status_code == 403 and r.json()["error"]["code"] == "own_application"
    assert (await clerk.post(f"/api/v1/closures/{cid2}/review", json={"approve": True})).status_code == 200
