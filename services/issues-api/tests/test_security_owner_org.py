"""Issue 19 finding #9: an office below the root changes neither the work calendar nor the
wording of messages outside its own subtree."""

from typing import Any

from sqlalchemy import select

from rectify_shared.models import MessageTemplate

YEAR_2027 = {"holidays": [{"date": "2027-01-01", "name": "元旦"}], "makeup_workdays": []}
TEMPLATE = "/api/v1/templates/escalation.issued/inbox"


async def _office_below_root(app, client, anon) -> tuple[object, dict]:
    me = (await client.get("/api/v1/me")).json()
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    league = next(o for o in orgs if o.get("parent_id") == me["org"]["id"])
    body = {"username": "league_office", "password": "Initial-pass-1", "org_id": league["id"], "role": "office_admin"}
    assert (await client.post("/api/v1/users", json=body)).status_code == 201
    token = (
        await anon.post("/api/v1/auth/token", data={"username": "league_office", "password": "Initial-pass-1"})
    ).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    changed = await anon.post(
        "/api/v1/me/password",
        headers=auth,
        json={"current_password": "Initial-pass-1", "new_password": "League-office-9"},
    )
    assert changed.status_code == 204
    return auth, league


async def test_finding_09_a_league_office_edits_only_its_own_templates_not_the_calendar(app, client, anon):
    auth, league = await _office_below_root(app, client, anon)
    r = await anon.put("/api/v1/calendar/years/2027", headers=auth, json=YEAR_2027)
    assert r.status_code == 403 and r.json()["error"]["code"] == "calendar_owned_by_root"
    assert (await client.put("/api/v1/calendar/years/2027", json=YEAR_2027)).status_code == 200  # the root's office
    root = await client.put(TEMPLATE, json={"subject": None, "body": "根单位措辞 {{ issue_title }}"})
    assert root.status_code == 200
    own = await anon.put(TEMPLATE, headers=auth, json={"subject": None, "body": "盟措辞 {{ issue_title }}"})
    assert own.status_code == 200
    async with app.state.rectify.read_sessions() as s:
        rows = (await s.execute(select(MessageTemplate).order_by(MessageTemplate.org_path))).scalars().all()
    # the league's wording is its own row; the root's wording for everyone else is untouched
    owners = {r.org_path: r.body.split(" ")[0] for r in rows}
    root_path = (await client.get(f"/api/v1/orgs/{league['parent_id']}")).json()["path"]
    assert owners == {root_path: "根单位措辞", league["path"]: "盟措辞"}


NAADAM = {"days": [{"date": "2026-07-13", "kind": "holiday", "name": "那达慕大会"}]}  # a Monday
#: one working day after Friday 2026-07-10: Monday the 13th, or Tuesday where the 13th is a holiday
RULE = {"kind": "working_days_after", "event": "整改方案印发", "event_date": "2026-07-10", "days": 1}


async def test_finding_09_a_league_office_keeps_its_own_calendar_overrides(app, client, helpers, demo_round):
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    root, league, unit = orgs["内蒙古自治区"], orgs["锡林郭勒盟"], orgs["锡林郭勒盟生态环境局"]
    r = await client.post("/api/v1/orgs", json={"name": "呼伦贝尔市", "kind": "league", "parent_id": root["id"]})
    assert r.status_code == 201, r.text
    other_league = r.json()
    league_office = await helpers.new_user(app, client, "xl_calendar", league["id"], "office_admin")
    other_office = await helpers.new_user(app, client, "hlbe_calendar", other_league["id"], "office_admin")
    unit_user = await helpers.new_user(app, client, "xl_unit_calendar", unit["id"], "unit_operator")
    lead_body = {"round_id": demo_round, "category": "日历测试", "description": "按工作日计算", "deadline_rule": RULE}
    r = await client.post("/api/v1/issues", json={**lead_body, "lead_org_id": unit["id"]})
    assert r.status_code == 201, r.text
    issue = r.json()
    assert issue["deadline"] == "2026-07-13"

    # the league's office keeps its league's days; its units' deadlines move with them
    path = f"/api/v1/calendar/orgs/{league['id']}/overrides/2026"
    r = await league_office.put(path, json=NAADAM)
    assert r.status_code == 200, r.text
    assert r.json()["days"] == NAADAM["days"] and r.json()["recomputed"] == 1
    assert (await client.get(f"/api/v1/issues/{issue['id']}")).json()["deadline"] == "2026-07-14"

    def kind(r: Any) -> str:
        assert r.status_code == 200, r.text
        return str(r.json()["items"][0]["kind"])

    day = "/api/v1/calendar/days?from=2026-07-13&to=2026-07-13"
    assert kind(await unit_user.get(day)) == "holiday"  # a unit of the league: its own org's calendar
    assert kind(await client.get(day)) == "workday"  # the root's calendar is untouched
    assert kind(await client.get(f"{day}&org_id={league['id']}")) == "holiday"
    assert kind(await other_office.get(day)) == "workday"  # another league keeps the root's days
    r = await unit_user.get("/api/v1/calendar/workdays?start=2026-07-10&count=2")
    assert r.json()["end"] == "2026-07-14"

    # another league neither edits nor reads it; a unit edits no calendar; a league not the root's
    assert (await other_office.put(path, json={"days": []})).status_code == 404
    assert (await other_office.get(f"/api/v1/calendar/orgs/{league['id']}/overrides")).status_code == 404
    assert (await other_office.get(f"{day}&org_id={league['id']}")).status_code == 404
    assert (await unit_user.put(path, json={"days": []})).status_code == 403
    root_path = f"/api/v1/calendar/orgs/{root['id']}/overrides/2026"
    assert (await league_office.put(root_path, json=NAADAM)).status_code == 404
    listed = await league_office.get(f"/api/v1/calendar/orgs/{league['id']}/overrides?year=2026")
    assert listed.status_code == 200 and listed.json()["days"] == NAADAM["days"]

    # bad input: nothing half-written
    bad = {"days": [*NAADAM["days"], {"date": "2027-01-04", "kind": "holiday", "name": "别的年份"}]}
    r = await league_office.put(path, json=bad)
    assert r.status_code == 422 and "2027-01-04" in r.text
    assert (await league_office.get(f"/api/v1/calendar/orgs/{league['id']}/overrides")).json()["days"] == NAADAM["days"]

    # the root's office may set the league's days too; an empty list removes them
    r = await client.put(path, json={"days": []})
    assert r.status_code == 200 and r.json()["days"] == [] and r.json()["recomputed"] == 1
    assert kind(await unit_user.get(day)) == "workday"
    assert (await client.get(f"/api/v1/issues/{issue['id']}")).json()["deadline"] == "2026-07-13"
