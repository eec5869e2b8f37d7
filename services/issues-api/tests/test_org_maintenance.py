"""Orgs an office can maintain (issue 18, seen #8): `PATCH /orgs/{id}` was 405, SMS went to landlines
(0479-8200303), children listed in path-string order (10, 11 … 25, 3 … 9), and a second province
could not be set up (a new root org was invisible to its creator and refused children)."""

import asyncio
from typing import Any

from sqlalchemy import select

from issues_api.demo.loader import read_demo
from rectify_shared.models import Issue, IssueOrg, UserAccount


async def org_ids(client: Any) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def audit_of(client: Any, org_id: int) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/audit?entity_type=org&entity_id={org_id}&limit=50")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_an_office_maintains_an_orgs_contacts_and_sms_goes_to_a_mobile(app, client, signin, helpers, demo_round):
    orgs = await org_ids(client)
    abgq = orgs["阿巴嘎旗"]
    before = (await client.get(f"/api/v1/orgs/{abgq}")).json()
    assert before["contact_phone"] == "0479-8200303" and before["mobile"] == "13904790303"  # illustrative demo data

    # a landline is not a mobile: refused, nothing written
    r = await client.patch(f"/api/v1/orgs/{abgq}", json={"mobile": "0479-8200303"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.mobile"
    r = await client.patch(f"/api/v1/orgs/{abgq}", json={"mobile": "13904790300", "adcode": "1525"})
    assert r.status_code == 422
    assert (await client.get(f"/api/v1/orgs/{abgq}")).json()["mobile"] == "13904790303"

    body = {"mobile": "13904791234", "contact_phone": "0479-8201234", "short_name": "阿旗", "adcode": "152522"}
    r = await client.patch(f"/api/v1/orgs/{abgq}", json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["mobile"], got["contact_phone"], got["short_name"], got["adcode"]) == (
        "13904791234",
        "0479-8201234",
        "阿旗",
        "152522",
    )
    assert got["name"] == "阿巴嘎旗" and got["path"] == before["path"]  # untouched fields stay
    updated = [a for a in await audit_of(client, abgq) if a["action"] == "org.updated"]
    assert (
        updated and updated[0]["after"]["mobile"] == "13904791234" and updated[0]["before"]["mobile"] == "13904790303"
    )

    # a unit does not edit orgs; an office outside the org's tree does not see it
    unit = await signin("abgq")
    assert (await unit.patch(f"/api/v1/orgs/{abgq}", json={"mobile": "13904790000"})).status_code == 403
    league_office = await helpers.new_user(app, client, "xlgl_office", orgs["锡林郭勒盟"], "office_admin")
    r = await league_office.patch(f"/api/v1/orgs/{orgs['内蒙古自治区']}", json={"mobile": "13904710001"})
    assert r.status_code == 404


async def test_children_list_by_sort_order_then_name_not_by_path_string(client, demo_round):
    orgs = await org_ids(client)
    league = orgs["锡林郭勒盟"]
    demo_children = [o["name"] for o in read_demo()["orgs"] if o.get("parent") == "xlgl"]
    assert len(demo_children) > 10  # ids past 9: path-string order would put /…/10/ before /…/3/

    def children(items: list[dict[str, Any]]) -> list[str]:
        return [o["name"] for o in items if o["parent_id"] == league]

    listed = (await client.get(f"/api/v1/orgs?under={league}&limit=200")).json()["items"]
    assert children(listed) == demo_children  # the file's (official) order
    # pages keep the order
    first = (await client.get(f"/api/v1/orgs?under={league}&limit=7")).json()
    second = (await client.get(f"/api/v1/orgs?under={league}&limit=200&cursor={first['next_cursor']}")).json()
    assert [o["id"] for o in first["items"] + second["items"]] == [o["id"] for o in listed]
    # parents come before their children
    seen: set[int] = set()
    for o in listed[1:]:
        assert o["parent_id"] in seen or o["parent_id"] == league
        seen.add(o["id"])

    # the office puts 乌拉盖管理区 first; equal sort orders go by name
    assert (await client.patch(f"/api/v1/orgs/{orgs['乌拉盖管理区']}", json={"sort_order": -1})).status_code == 422
    for name in ("乌拉盖管理区", "东乌珠穆沁旗"):
        assert (await client.patch(f"/api/v1/orgs/{orgs[name]}", json={"sort_order": 0})).status_code == 200
    tree = (await client.get(f"/api/v1/orgs/tree?root_id={league}")).json()
    names = [c["name"] for c in tree[0]["children"]]
    first_two = sorted(["乌拉盖管理区", "东乌珠穆沁旗"])
    assert names[:2] == first_two and names[2:] == [n for n in demo_children if n not in first_two]


async def test_an_org_moves_with_its_subtree_and_every_scoped_row(app, client, signin, helpers, demo_round):
    orgs = await org_ids(client)
    abgq, league = orgs["阿巴嘎旗"], orgs["锡林郭勒盟"]
    # a grouping under the league for the northern 旗县 (an office's own reorganisation)
    r = await client.post("/api/v1/orgs", json={"name": "北部片区", "kind": "department", "parent_id": league})
    north = r.json()
    old_path = (await client.get(f"/api/v1/orgs/{abgq}")).json()["path"]
    child = (
        await client.post(
            "/api/v1/orgs", json={"name": "阿巴嘎旗生态环境分局", "kind": "department", "parent_id": abgq}
        )
    ).json()
    unit = await signin("abgq")
    before = sorted(i["id"] for i in (await unit.get("/api/v1/issues?limit=200")).json()["items"])
    assert before

    # not under itself or its own descendant
    r = await client.patch(f"/api/v1/orgs/{abgq}", json={"parent_id": child["id"]})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.parent_id"

    r = await client.patch(f"/api/v1/orgs/{abgq}", json={"parent_id": north["id"]})
    assert r.status_code == 200, r.text
    new_path = f"{north['path']}{abgq}/"
    assert (r.json()["path"], r.json()["parent_id"], r.json()["depth"]) == (new_path, north["id"], north["depth"] + 1)
    moved_child = (await client.get(f"/api/v1/orgs/{child['id']}")).json()
    assert moved_child["path"] == f"{new_path}{child['id']}/" and moved_child["depth"] == north["depth"] + 2

    # every scoped row followed: issues, their org links, the unit's account
    async with app.state.rectify.read_sessions() as s:
        assert not (await s.execute(select(Issue.id).where(Issue.org_path.startswith(old_path)))).all()
        assert not (await s.execute(select(IssueOrg.issue_id).where(IssueOrg.org_path.startswith(old_path)))).all()
        assert (await s.execute(select(IssueOrg.issue_id).where(IssueOrg.org_path.startswith(new_path)))).all()
        user = (await s.execute(select(UserAccount).where(UserAccount.username == "abgq"))).scalar_one()
        assert user.org_path == new_path
    # so the unit sees exactly what it saw, and the league's office still sees it all
    after = sorted(i["id"] for i in (await unit.get("/api/v1/issues?limit=200")).json()["items"])
    assert after == before
    under_league = (await client.get(f"/api/v1/issues?org_id={league}&limit=200")).json()["items"]
    assert set(before) <= {i["id"] for i in under_league}
    moved = [a for a in await audit_of(client, abgq) if a["action"] == "org.moved"]
    assert moved and moved[0]["after"]["path"] == new_path and moved[0]["after"]["rows"]["issue_org"] >= 1

    # an office moves only between orgs it administers
    league_office = await helpers.new_user(app, client, "xlgl_office", league, "office_admin")
    r = await league_office.patch(f"/api/v1/orgs/{abgq}", json={"parent_id": orgs["内蒙古自治区"]})
    assert r.status_code == 422
    r = await league_office.patch(f"/api/v1/orgs/{league}", json={"parent_id": north["id"]})
    assert r.status_code in (403, 422)
    r = await league_office.patch(f"/api/v1/orgs/{abgq}", json={"parent_id": league})
    assert r.status_code == 200 and r.json()["path"] == old_path


async def test_a_system_admin_sets_up_a_second_province(app, client, signin, helpers, settings, monkeypatch):
    from issues_api import cli

    # only the console makes a system admin
    root = (await client.get("/api/v1/me")).json()["org"]["id"]
    r = await client.post(
        "/api/v1/users",
        json={"username": "sys2", "password": "Long-enough-pw-1", "org_id": root, "role": "system_admin"},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "cli_only"
    # an office admin cannot start a tree it could not see
    r = await client.post("/api/v1/orgs", json={"name": "黑龙江省", "kind": "region"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.parent_id"

    monkeypatch.setattr(cli, "load_settings", lambda: settings)
    monkeypatch.setenv("RECTIFY_NEW_PASSWORD", "System-admin-2026")
    argv = ["users", "create", "--username", "sysadmin", "--org-id", str(root), "--role", "system_admin"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    first = await helpers.login(app, "sysadmin", "System-admin-2026")  # set at the console: changed at first sign-in
    change = {"current_password": "System-admin-2026", "new_password": "System-admin-2027"}
    assert (await first.post("/api/v1/me/password", json=change)).status_code == 204
    await first.aclose()
    sysadmin = await signin("sysadmin", "System-admin-2027")

    r = await sysadmin.post("/api/v1/orgs", json={"name": "黑龙江省", "kind": "region", "mobile": "13904510000"})
    assert r.status_code == 201, r.text
    hlj = r.json()
    assert hlj["parent_id"] is None and hlj["depth"] == 0
    assert (await sysadmin.get(f"/api/v1/orgs/{hlj['id']}")).status_code == 200  # visible to its creator
    r = await sysadmin.post("/api/v1/orgs", json={"name": "哈尔滨市", "kind": "league", "parent_id": hlj["id"]})
    assert r.status_code == 201, r.text
    harbin = r.json()
    # the new province's office sees its own tree, and not 内蒙古's
    office = await helpers.new_user(app, sysadmin, "hlj_office", hlj["id"], "office_admin")
    names = {o["name"] for o in (await office.get("/api/v1/orgs?limit=200")).json()["items"]}
    assert names == {"黑龙江省", "哈尔滨市"}
    r = await office.post("/api/v1/orgs", json={"name": "道里区", "kind": "county", "parent_id": harbin["id"]})
    assert r.status_code == 201
    # and 内蒙古's office does not see the new province
    assert (await client.get(f"/api/v1/orgs/{hlj['id']}")).status_code == 404
    # an office admin does not take over the system admin's account
    sys_id = next(
        u["id"] for u in (await sysadmin.get("/api/v1/users?limit=200")).json()["items"] if u["username"] == "sysadmin"
    )
    assert (await client.patch(f"/api/v1/users/{sys_id}", json={"disabled": True})).status_code == 403
    assert "org.created" in [a["action"] for a in await audit_of(sysadmin, hlj["id"])]
