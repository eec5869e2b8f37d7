"""A report honours its requester's scope: a county's ledger holds the county's tasks only."""

from sqlalchemy import select

from issues_api.demo.loader import read_demo
from rectify_shared.models import ReportFile
from report_worker.jobs import render_report

DEMO = read_demo()


async def render(app, report_id: int) -> str:
    state = app.state.rectify
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with state.read_sessions() as s:
        content = (await s.execute(select(ReportFile.content).where(ReportFile.report_id == report_id))).scalar_one()
    return content.decode("utf-8")


async def test_a_county_report_lists_only_the_county_tasks(app, client, signin, demo_round):
    county = await signin("abgq")
    r = await county.post("/api/v1/reports", json={"kind": "ledger", "round_id": demo_round, "format": "md"})
    assert r.status_code == 202, r.text
    text = await render(app, r.json()["id"])
    mine = [i for i in DEMO["issues"] if "abgq" == i["lead_org"] or "abgq" in i.get("responsible_orgs", [])]
    others = [i for i in DEMO["issues"] if i not in mine]
    assert mine and all(i["description"] in text for i in mine)
    assert not any(i["description"] in text for i in others)
    # the county cannot read the office's reports, the office can read the county's
    office = await client.post("/api/v1/reports", json={"kind": "ledger", "round_id": demo_round, "format": "md"})
    assert (await county.get(f"/api/v1/reports/{office.json()['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/reports/{r.json()['id']}")).status_code == 200
    # nor ask for a report on an org outside its scope
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    league = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
    bad = await county.post(
        "/api/v1/reports", json={"kind": "ledger", "round_id": demo_round, "format": "md", "org_id": league}
    )
    assert bad.status_code == 422
