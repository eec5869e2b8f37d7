"""An indicator value's evidence (佐证材料): an uploaded attachment in the caller's scope, linked to
the value; any other id is a 422 and nothing is written."""

from typing import Any

from .test_attachments import PDF, PNG, _upload


async def org_ids(client: Any) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def indicator_of(client: Any, org: int) -> int:
    body = {"name": "测试指标", "unit": "个", "kind": "cumulative", "org_id": org}
    r = await client.post("/api/v1/indicators", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_evidence_is_checked_and_linked_to_the_value(client, signin, demo_round):
    orgs = await org_ids(client)
    own = await indicator_of(client, orgs["阿巴嘎旗"])
    unit = await signin("abgq")
    evidence = (await _upload(unit, PDF, "2024年验收报告.pdf")).json()["id"]

    r = await unit.post(
        f"/api/v1/indicators/{own}/values", json={"period": "2024", "value": 3, "attachment_id": evidence}
    )
    assert r.status_code == 201, r.text
    value = r.json()["series"][0]
    assert value["attachment_id"] == evidence
    links = (await unit.get(f"/api/v1/attachments/{evidence}")).json()["links"]
    assert [(lk["target_kind"], lk["target_id"]) for lk in links] == [("indicator_value", str(value["id"]))]
    audit = (await client.get(f"/api/v1/audit?entity_type=attachment&entity_id={evidence}")).json()["items"]
    assert "attachment.linked" in [a["action"] for a in audit]

    # the same evidence again for a correction: one link, not two
    r = await unit.post(
        f"/api/v1/indicators/{own}/values", json={"period": "2024", "value": 4, "attachment_id": evidence}
    )
    assert r.status_code == 201
    assert len((await unit.get(f"/api/v1/attachments/{evidence}")).json()["links"]) == 1


async def test_an_unknown_or_out_of_scope_attachment_is_422_and_nothing_is_written(client, signin, demo_round):
    orgs = await org_ids(client)
    theirs = await indicator_of(client, orgs["锡林浩特市"])
    other_county = await signin("abgq")
    foreign = (await _upload(other_county, PNG, "别旗的照片.png")).json()["id"]
    unit = await signin("xlhts")
    url = f"/api/v1/indicators/{theirs}/values"

    for attachment_id in (foreign, 999_999):
        r = await unit.post(url, json={"period": "2024", "value": 2, "attachment_id": attachment_id})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["details"][0]["field"] == "body.attachment_id"
        assert "佐证材料" in error["message"] and "Attachment" in error["message_en"]
    assert (await unit.get(f"/api/v1/indicators/{theirs}")).json()["series"] == []
    assert (await other_county.get(f"/api/v1/attachments/{foreign}")).json()["links"] == []
