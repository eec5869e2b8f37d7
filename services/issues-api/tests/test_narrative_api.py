"""GET/PUT /api/v1/rounds/{round_id}/narrative: the office's text of its progress report."""

from importlib import resources

import yaml

NEW = {
    "sections": [
        {"heading": "一、坚决扛起政治责任", "paragraphs": ["  第一段。  ", "（一）加强组织领导"]},
        {"paragraphs": ["下一步，……"]},
    ]
}


async def org_ids(client) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


def demo_sections() -> list[dict]:
    text = resources.files("issues_api.demo").joinpath("xilinguole_narrative.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["sections"]


async def test_the_demo_round_has_the_seed_narrative_for_the_office(client, demo_round):
    r = await client.get(f"/api/v1/rounds/{demo_round}/narrative")  # default: the round's office
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["org_id"] == (await org_ids(client))["锡林郭勒盟"]
    assert body["sections"] == demo_sections()
    assert body["sections"][0]["heading"].startswith("一、坚决扛起政治责任")
    assert body["sections"][-1] == {"heading": "", "paragraphs": [demo_sections()[-1]["paragraphs"][0]]}
    assert body["updated_by"] == "demo-loader"


async def test_an_org_without_a_narrative_reads_empty(client, demo_round):
    org = (await org_ids(client))["阿巴嘎旗"]
    r = await client.get(f"/api/v1/rounds/{demo_round}/narrative?org_id={org}")
    assert r.status_code == 200
    assert r.json() == {
        "round_id": demo_round,
        "org_id": org,
        "sections": [],
        "updated_by": None,
        "updated_at": None,
        "filled_sections": None,  # only with ?filled=true
    }


async def test_put_replaces_the_narrative_and_is_audited(client, demo_round):
    league = (await org_ids(client))["锡林郭勒盟"]
    url = f"/api/v1/rounds/{demo_round}/narrative?org_id={league}"
    r = await client.put(url, json=NEW)
    assert r.status_code == 200, r.text
    expected = [
        {"heading": "一、坚决扛起政治责任", "paragraphs": ["第一段。", "（一）加强组织领导"]},
        {"heading": "", "paragraphs": ["下一步，……"]},
    ]
    assert r.json()["sections"] == expected and r.json()["updated_by"] == "admin"
    again = (await client.get(url)).json()
    assert again["sections"] == expected and again["updated_at"] == r.json()["updated_at"]

    audit = (await client.get(f"/api/v1/audit?entity_type=round_narrative&entity_id={demo_round}/{league}")).json()
    [record] = audit["items"]
    assert record["action"] == "round_narrative.replaced"
    assert record["before"] == {"sections": demo_sections()} and record["after"] == {"sections": expected}

    # a first narrative for another org has no "before"
    county = (await org_ids(client))["阿巴嘎旗"]
    assert (await client.put(f"/api/v1/rounds/{demo_round}/narrative?org_id={county}", json=NEW)).status_code == 200
    audit = (await client.get(f"/api/v1/audit?entity_type=round_narrative&entity_id={demo_round}/{county}")).json()
    assert audit["items"][0]["before"] is None

    # an empty narrative is allowed: the report then has only its computed parts
    assert (await client.put(url, json={"sections": []})).json()["sections"] == []


async def test_bad_narratives_are_refused_and_nothing_is_written(client, demo_round):
    url = f"/api/v1/rounds/{demo_round}/narrative"
    bad = [
        {"sections": [{"heading": "一、标题", "paragraphs": ["   "]}]},
        {"sections": [{"heading": "一、标题", "paragraphs": ["第一行\n第二行"]}]},
        {"sections": [{"heading": "", "paragraphs": []}]},
        {"sections": [{"heading": "一、标题", "paragraphs": [], "extra": 1}]},
        {"sections": [{"heading": "x" * 201}]},
        {"sections": "一、标题"},
        {},
    ]
    for body in bad:
        r = await client.put(url, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    assert (await client.get(url)).json()["sections"] == demo_sections()


async def test_scope_unknown_and_foreign_rounds_and_orgs_are_404(client, signin, demo_round):
    orgs = await org_ids(client)
    assert (await client.get("/api/v1/rounds/999999/narrative")).status_code == 404
    assert (await client.get(f"/api/v1/rounds/{demo_round}/narrative?org_id=999999")).status_code == 404
    unit = await signin("abgq")
    own = await unit.get(f"/api/v1/rounds/{demo_round}/narrative?org_id={orgs['阿巴嘎旗']}")
    assert own.status_code == 200
    # the league's narrative is above the unit's subtree; so is the default (the round's office)
    assert (await unit.get(f"/api/v1/rounds/{demo_round}/narrative?org_id={orgs['锡林郭勒盟']}")).status_code == 404
    assert (await unit.get(f"/api/v1/rounds/{demo_round}/narrative")).status_code == 404
    # only the office writes
    r = await unit.put(f"/api/v1/rounds/{demo_round}/narrative?org_id={orgs['阿巴嘎旗']}", json=NEW)
    assert r.status_code == 403
    leader = await signin("leader")
    assert (await leader.get(f"/api/v1/rounds/{demo_round}/narrative")).json()["sections"] == demo_sections()
    assert (await leader.put(f"/api/v1/rounds/{demo_round}/narrative", json=NEW)).status_code == 403


async def test_filled_shows_the_indicator_placeholders_in_the_reports_words(client, demo_round):
    indicators = (await client.get(f"/api/v1/indicators?round_id={demo_round}")).json()["items"]
    known = next(i for i in indicators if i.get("phrase"))
    body = {
        "sections": [
            {"heading": "一、测试", "paragraphs": [f"截至目前，{{{{指标:{known['name']}}}}}。", "{{指标:无此指标}}"]}
        ]
    }
    assert (await client.put(f"/api/v1/rounds/{demo_round}/narrative", json=body)).status_code == 200
    r = await client.get(f"/api/v1/rounds/{demo_round}/narrative?filled=true")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["sections"] == body["sections"]  # the text as written
    assert got["filled_sections"][0]["paragraphs"] == [
        f"截至目前，{known['phrase']}。",
        "〔指标“无此指标”不存在或不在本报告范围内〕",
    ]
