"""The console's org tree is dragged (`POST /orgs/{id}/move`: another parent and/or another place
among the siblings, one transaction, 409 on a cycle) and an account changes org (调岗, `PATCH
/users/{id}` with `org_id`): both audited, both scoped to the office's tree."""

from typing import Any


async def org_ids(client: Any) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def children(client: Any, parent: int) -> list[str]:
    tree = (await client.get(f"/api/v1/orgs/tree?root_id={parent}")).json()
    return [c["name"] for c in tree[0]["children"]]


async def actions(client: Any, entity: str, entity_id: int) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/audit?entity_type={entity}&entity_id={entity_id}&limit=50")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_an_org_is_dragged_to_another_place_and_parent(app, client, signin, helpers, demo_round):
    orgs = await org_ids(client)
    league, abgq = orgs["锡林郭勒盟"], orgs["阿巴嘎旗"]
    before = await children(client, league)
    assert before.index("阿巴嘎旗") > 0

    # first among the league's children: the order holds on every read, siblings renumbered
    r = await client.post(f"/api/v1/orgs/{abgq}/move", json={"parent_id": league, "position": 0})
    assert r.status_code == 200, r.text
    assert r.json()["sort_order"] == 10
    after = await children(client, league)
    assert after == ["阿巴嘎旗", *[n for n in before if n != "阿巴嘎旗"]]
    listed = [o for o in (await client.get(f"/api/v1/orgs?under={league}&limit=200")).json()["items"]]
    assert [o["sort_order"] for o in listed if o["parent_id"] == league] == [10 * (i + 1) for i in range(len(after))]
    audit = await actions(client, "org", abgq)
    reordered = [a for a in audit if a["action"] == "org.updated" and "order" in (a["after"] or {})]
    assert reordered and reordered[0]["after"]["position"] == 0 and reordered[0]["before"]["order"][0] != abgq

    # past the end: last
    r = await client.post(f"/api/v1/orgs/{abgq}/move", json={"parent_id": league, "position": 999})
    assert r.status_code == 200 and (await children(client, league))[-1] == "阿巴嘎旗"

    # under a new grouping, second of two: the subtree's path follows
    north = (
        await client.post("/api/v1/orgs", json={"name": "北部片区", "kind": "department", "parent_id": league})
    ).json()
    east = orgs["东乌珠穆沁旗"]
    assert (
        await client.post(f"/api/v1/orgs/{east}/move", json={"parent_id": north["id"], "position": 0})
    ).status_code == 200
    r = await client.post(f"/api/v1/orgs/{abgq}/move", json={"parent_id": north["id"], "position": 1})
    assert r.status_code == 200, r.text
    assert r.json()["path"] == f"{north['path']}{abgq}/" and r.json()["parent_id"] == north["id"]
    assert await children(client, north["id"]) == ["东乌珠穆沁旗", "阿巴嘎旗"]
    assert "阿巴嘎旗" not in await children(client, league)
    assert "org.moved" in [a["action"] for a in await actions(client, "org", abgq)]

    # under itself or its own descendant: 409, nothing changed
    r = await client.post(f"/api/v1/orgs/{north['id']}/move", json={"parent_id": abgq, "position": 0})
    assert r.status_code == 409 and r.json()["error"]["code"] == "org_cycle"
    assert "北部片区" in r.json()["error"]["message"]
    r = await client.post(f"/api/v1/orgs/{abgq}/move", json={"parent_id": abgq, "position": 0})
    assert r.status_code == 409
    assert (await client.get(f"/api/v1/orgs/{north['id']}")).json()["parent_id"] == league

    # a unit does not move orgs; an office does not move one outside its tree nor under one
    unit = await signin("abgq")
    r = await unit.post(f"/api/v1/orgs/{abgq}/move", json={"parent_id": league, "position": 0})
    assert r.status_code == 403
    league_office = await helpers.new_user(app, client, "xlgl_office", league, "office_admin")
    r = await league_office.post(f"/api/v1/orgs/{abgq}/move", json={"parent_id": orgs["内蒙古自治区"], "position": 0})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.parent_id"
    r = await league_office.post(f"/api/v1/orgs/{league}/move", json={"parent_id": orgs["内蒙古自治区"], "position": 0})
    assert r.status_code in (404, 422)
    r = await client.post(f"/api/v1/orgs/{abgq}/move", json={"parent_id": league, "position": -1})
    assert r.status_code == 422


async def test_an_account_changes_org_and_its_sessions_end(app, client, signin, helpers, demo_round):
    orgs = await org_ids(client)
    league = orgs["锡林郭勒盟"]
    mover = await helpers.new_user(app, client, "transfer_op", orgs["阿巴嘎旗"], "unit_operator")
    users = (await client.get("/api/v1/users?limit=200")).json()["items"]
    uid = next(u["id"] for u in users if u["username"] == "transfer_op")
    assert (await mover.get("/api/v1/me")).status_code == 200

    r = await client.patch(f"/api/v1/users/{uid}", json={"org_id": orgs["锡林浩特市"], "role": "leader"})
    assert r.status_code == 200, r.text
    assert (r.json()["org_id"], r.json()["role"]) == (orgs["锡林浩特市"], "leader")
    assert (await mover.get("/api/v1/me")).status_code == 401  # signed out everywhere
    updated = [a for a in await actions(client, "user", uid) if a["action"] == "user.updated"]
    assert updated[0]["after"]["org_id"] == orgs["锡林浩特市"] and updated[0]["before"]["org_id"] == orgs["阿巴嘎旗"]

    # an org outside the office's tree is refused beside the field; nothing written
    league_office = await helpers.new_user(app, client, "xlgl_office2", league, "office_admin")
    r = await league_office.patch(f"/api/v1/users/{uid}", json={"org_id": orgs["内蒙古自治区"]})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.org_id"
    assert (await client.get(f"/api/v1/users/{uid}")).json()["org_id"] == orgs["锡林浩特市"]
    # nobody moves their own account
    me = next(
        u["id"]
        for u in (await league_office.get("/api/v1/users?limit=200")).json()["items"]
        if u["username"] == "xlgl_office2"
    )
    r = await league_office.patch(f"/api/v1/users/{me}", json={"org_id": orgs["阿巴嘎旗"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "self_lockout"
