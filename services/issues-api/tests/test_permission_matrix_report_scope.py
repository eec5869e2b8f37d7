"""The permission matrix for report scope (security finding 3): who reads which rendered report.

A report is rendered for an org alone (a unit's own report) or an org's whole subtree. Reading
it (`GET /reports/{id}` and its file) needs a scope that covers all of it. The expected table is
written out by hand, one row a report, one column a caller: a unit (exact scope) never reads a
subtree report, even of its own org; nobody reads another league's report (ids are sequential);
a user narrowed after requesting no longer reads what the old scope allowed.
"""

from typing import Any

import httpx

from rectify_shared.enums import ReportState
from rectify_shared.models import ReportJob

CALLERS = ["root_admin", "league_admin", "unit", "leader", "integration"]
#: report -> (rendered for, then what each caller in CALLERS gets: 200 or 404)
EXPECTED: dict[str, list[int]] = {
    "unit_own": [200, 200, 200, 200, 200],  # 阿巴嘎旗 alone, requested by the unit
    "unit_subtree": [200, 200, 404, 200, 200],  # 阿巴嘎旗 and below, requested by the office
    "league_subtree": [200, 200, 404, 200, 200],  # 锡林郭勒盟 and below
    "other_league": [200, 404, 404, 404, 404],  # 乌兰察布市 and below
}


def _client(app: Any, token_header: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://rectify.test", headers=token_header
    )


async def _report(c: Any, round_id: int, org_id: int | None = None) -> int:
    body: dict[str, Any] = {"kind": "ledger", "round_id": round_id, "format": "md"}
    if org_id is not None:
        body["org_id"] = org_id
    r = await c.post("/api/v1/reports", json=body)
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


async def _done(app: Any, report_id: int) -> None:
    """Mark the job finished with a file, as the worker would (the file endpoint then answers 200)."""
    from rectify_shared.models import ReportFile

    async with app.state.rectify.write_sessions() as s:
        job = await s.get(ReportJob, report_id)
        job.state, job.sha256, job.file_name = ReportState.done, "0" * 64, "r.md"
        s.add(ReportFile(report_id=report_id, content=b"# report\n"))
        await s.commit()


async def test_finding_03_report_scope_matrix(app, client, signin, demo_round, helpers):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    nmg, league, county = orgs["内蒙古自治区"], orgs["锡林郭勒盟"], orgs["阿巴嘎旗"]
    other = (await client.post("/api/v1/orgs", json={"name": "乌兰察布市", "kind": "league", "parent_id": nmg})).json()
    league_admin = await helpers.new_user(app, client, "scope_league_admin", league, "office_admin")
    key = (await client.post("/api/v1/api-keys", json={"name": "自治区系统", "org_id": league})).json()["secret"]
    unit = await signin("abgq")
    callers = {
        "root_admin": client,
        "league_admin": league_admin,
        "unit": unit,
        "leader": await signin("leader"),
        "integration": _client(app, {"Authorization": f"Bearer {key}"}),
    }
    reports = {
        "unit_own": await _report(unit, demo_round),
        "unit_subtree": await _report(client, demo_round, county),
        "league_subtree": await _report(client, demo_round, league),
        "other_league": await _report(client, demo_round, other["id"]),
    }
    for report_id in reports.values():
        await _done(app, report_id)
    failures = []
    try:
        # the list shows a caller exactly the reports it may read
        for caller in CALLERS:
            listed = {r["id"] for r in (await callers[caller].get("/api/v1/reports?limit=200")).json()["items"]}
            for name, report_id in reports.items():
                expected = EXPECTED[name][CALLERS.index(caller)]
                if (report_id in listed) != (expected == 200):
                    failures.append(f"{caller} GET /reports lists {name}: {report_id in listed}, expected {expected}")
        for name, report_id in reports.items():
            for caller, expected in zip(CALLERS, EXPECTED[name], strict=True):
                for url in (f"/api/v1/reports/{report_id}", f"/api/v1/reports/{report_id}/file"):
                    got = (await callers[caller].get(url)).status_code
                    if got != expected:
                        failures.append(f"{caller} GET {url} ({name}): {got}, expected {expected}")
    finally:
        await callers["league_admin"].aclose()
        await callers["integration"].aclose()
    assert failures == [], "\n".join(failures)


async def test_finding_03_report_scope_narrowed_user_loses_old_reports(app, client, demo_round, helpers):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    before = await helpers.new_user(app, client, "scope_narrowed", orgs["阿巴嘎旗"], "office_admin")
    user_id = (await before.get("/api/v1/me")).json()["id"]
    report_id = await _report(before, demo_round)  # the county's subtree, as its office admin
    await _done(app, report_id)
    assert (await before.get(f"/api/v1/reports/{report_id}/file")).status_code == 200
    await before.aclose()
    r = await client.patch(f"/api/v1/users/{user_id}", json={"role": "unit_operator"})
    assert r.status_code == 200, r.text
    after = await helpers.login(app, "scope_narrowed", helpers.NEW_USER_PASSWORD)
    try:
        assert (await after.get(f"/api/v1/reports/{report_id}")).status_code == 404
        assert (await after.get(f"/api/v1/reports/{report_id}/file")).status_code == 404
        # what the narrowed scope covers it still reads
        own = await _report(after, demo_round)
        assert (await after.get(f"/api/v1/reports/{own}")).status_code == 200
    finally:
        await after.aclose()


async def test_report_list_pages_newest_first_and_filters_mine(app, client, signin, demo_round):
    unit = await signin("abgq")
    mine = []
    for fmt in ("md", "xlsx", "docx"):  # three different requests (the same one would be reused)
        r = await unit.post("/api/v1/reports", json={"kind": "ledger", "round_id": demo_round, "format": fmt})
        assert r.status_code == 202, r.text
        mine.append(r.json()["id"])
    office = await _report(client, demo_round)
    await _done(app, mine[0])
    first = (await unit.get("/api/v1/reports?limit=2")).json()
    assert [r["id"] for r in first["items"]] == [mine[2], mine[1]] and first["next_cursor"]
    assert first["items"][0]["requested_by"] == "abgq"
    rest = (await unit.get(f"/api/v1/reports?limit=2&cursor={first['next_cursor']}")).json()
    assert mine[0] in [r["id"] for r in rest["items"]]
    done = (await unit.get("/api/v1/reports?status=done")).json()["items"]
    assert [r["id"] for r in done] == [mine[0]]
    assert office in [r["id"] for r in (await client.get("/api/v1/reports")).json()["items"]]
    admins_own = [r["id"] for r in (await client.get("/api/v1/reports?mine=true")).json()["items"]]
    assert office in admins_own and not set(mine) & set(admins_own)
    bad = await unit.get("/api/v1/reports?cursor=bm9wZQ")
    assert bad.status_code == 422 and "游标" in bad.text
