"""Issue 19 finding #9: an office below the root changes neither the work calendar nor the
wording of messages outside its own subtree."""

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
