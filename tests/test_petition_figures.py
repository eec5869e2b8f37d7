"""The report-worker's petition figures equal the API's /stats/petitions for the same scope and day,
and the progress report's opening clause follows the cases' states."""

from datetime import date
from types import SimpleNamespace

from report_worker.narrative import load_petition_figures
from report_worker.render.progress_report import petition_clause


async def test_report_figures_equal_the_stats_endpoint(app, client, signin, demo_round):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    batch = (
        await client.post(
            "/api/v1/petition-batches", json={"round_id": demo_round, "batch_no": 30, "transferred_at": "2024-12-01"}
        )
    ).json()
    for n, place in enumerate(("阿巴嘎旗", "多伦县")):
        body = {
            "batch_id": batch["id"],
            "intake_no": f"D3NM2024120100{n}",
            "content": "反映扬尘。",
            "locality_org_id": orgs[place],
            "accountability": {"penalty_cases": 1, "fine_yuan": 10000},
        }
        assert (await client.post("/api/v1/petition-cases", json=body)).status_code == 201

    paths = {o["id"]: o["path"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    for caller, org, exact in ((client, "内蒙古自治区", False), (await signin("abgq"), "阿巴嘎旗", True)):
        for as_of in (None, date(2022, 4, 10), date(2024, 12, 15)):
            query = f"round_id={demo_round}" + (f"&as_of={as_of}" if as_of else "")
            api = (await caller.get(f"/api/v1/stats/petitions?{query}")).json()
            job = SimpleNamespace(round_id=demo_round, as_of=as_of, org_path=paths[orgs[org]], scope_exact=exact)
            async with app.state.rectify.read_sessions() as session:
                f = await load_petition_figures(session, job)
            assert (f.total, f.batches, f.by_state, f.accountability) == (
                api["total"],
                api["batches"],
                api["by_state"],
                api["accountability"],
            ), (org, as_of)
            assert (f.closure_rate, f.unsubstantiated_rate) == (api["closure_rate"], api["unsubstantiated_rate"])

    async with app.state.rectify.read_sessions() as session:
        job = SimpleNamespace(round_id=demo_round, as_of=None, org_path=paths[orgs["内蒙古自治区"]], scope_exact=False)
        now = await load_petition_figures(session, job)
    assert petition_clause(now) == "转办的30批93件群众信访举报案件，已办结91件、正在办理2件"
