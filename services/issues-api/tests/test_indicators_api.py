"""Indicators (指标): the demo's figures by computation, reporting values, plausibility, scope."""

import pytest

MINES = "露天矿山地质环境治理面积"
WETLAND = "湿地保护率（全区）"
KITCHEN = "餐厨垃圾处理设施建设（需建设的旗县）"
AIR = "优良天数比率"
PM25 = "PM2.5平均浓度"
OUTFALLS = "重点流域存在问题排污口整治"


async def by_name(client, url: str) -> dict[str, dict]:
    body = (await client.get(url)).json()
    return {i["name"]: i for i in body["items"]}


async def org_ids(client) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def issue_of(client, round_id: int, seq: int) -> dict:
    issues = (await client.get(f"/api/v1/issues?round_id={round_id}&limit=200")).json()["items"]
    issue = next(i for i in issues if i["seq"] == seq)
    return (await client.get(f"/api/v1/issues/{issue['id']}")).json()


async def test_the_demo_reproduces_the_seed_figures_by_computation(client, demo_round):
    ind = await by_name(client, f"/api/v1/indicators?round_id={demo_round}&as_of=2024-12-15")

    mines = ind[MINES]["derived"]
    assert [v["value"] for v in ind[MINES]["series"]] == ["27.63", "16.27", "17.21"]
    assert mines["cumulative"] == "61.11"
    assert ind[MINES]["sentence"].startswith(
        "露天矿山地质环境治理面积：2022年27.63平方公里，2023年16.27平方公里，2024年截至11月底17.21平方公里，"
        "累计61.11平方公里"
    )

    kitchen = ind[KITCHEN]["derived"]
    assert (kitchen["latest_value"], kitchen["stages_total"]) == ("8", 11)
    assert kitchen["percent_of_target"] == "72.7"
    assert "共11个，已建成8个，正在试运行1个，正在建设1个，正在办理项目前期手续1个" in ind[KITCHEN]["sentence"]

    air = ind[AIR]["derived"]
    assert air["latest_value"] == "96.7"
    assert air["change"] == {
        "previous_period": "2023-01-01/2023-11-30",
        "previous_value": "93.4",
        "delta": "3.3",
        "unit": "个百分点",
    }
    assert ind[AIR]["sentence"] == "优良天数比率2024年截至11月底96.7%，较去年同期上升3.3个百分点"
    assert ind[PM25]["sentence"] == "PM2.5平均浓度2024年截至11月底9微克/立方米，较去年同期持平"

    assert ind[OUTFALLS]["derived"]["percent_of_target"] == "80"
    assert ind[WETLAND]["derived"]["percent_of_target"] == "89.4"  # 31.3 % of a 35 % target
    assert ind[MINES]["illustrative"] == ["baseline", "baseline_date", "target", "target_date"]


async def test_a_measure_behind_its_straight_line_plan_is_flagged_behind(client, demo_round):
    stats = (await client.get(f"/api/v1/stats/indicators?round_id={demo_round}&as_of=2024-12-15")).json()
    by = {i["name"]: i for i in stats["indicators"]}
    # wetland: 31.3 % while the line from 31.3 % (end 2021) to 35 % (end 2025) stands at 34.04 %
    assert by[WETLAND]["derived"]["schedule"] == "behind" and by[WETLAND]["derived"]["expected"] == "34.04"
    assert "，滞后" in by[WETLAND]["sentence"]
    assert by[MINES]["derived"]["schedule"] == "on_schedule"  # 61.11 ≥ 59.12
    assert by[KITCHEN]["derived"]["schedule"] == "on_schedule"  # 8 built ≥ 7.37
    assert (stats["total"], stats["on_schedule"], stats["behind"]) == (7, 2, 1)

    wetland_issue = await issue_of(client, demo_round, 7)
    measure_2 = next(m for m in wetland_issue["measures"] if m["seq"] == 2)
    assert {"id": measure_2["id"], "schedule": "behind"} in stats["measures"]
    assert {"id": wetland_issue["id"], "schedule": "behind"} in stats["issues"]
    mines_issue = await issue_of(client, demo_round, 3)
    assert {"id": mines_issue["id"], "schedule": "on_schedule"} in stats["issues"]

    # as of mid-2023 only 2022's 27.63 km² was known, against a plan of 29.86: 滞后
    mines_id = by[MINES]["id"]
    mid_2023 = (await client.get(f"/api/v1/indicators/{mines_id}?as_of=2023-06-30")).json()
    assert mid_2023["derived"]["cumulative"] == "27.63"
    assert (mid_2023["derived"]["expected"], mid_2023["derived"]["schedule"]) == ("29.86", "behind")
    assert [v["period"] for v in mid_2023["series"]] == ["2022"]


async def new_indicator(client, org: int, **extra) -> dict:
    body = {"name": "测试指标", "unit": "平方公里", "kind": "cumulative", "org_id": org, **extra}
    r = await client.post("/api/v1/indicators", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_reporting_values_adds_up_exactly_and_a_second_report_replaces_the_first(app, client, demo_round):
    orgs = await org_ids(client)
    ind = await new_indicator(
        client, orgs["锡林郭勒盟"], round_id=demo_round, baseline=0, baseline_date="2024-01-01", target="1"
    )
    url = f"/api/v1/indicators/{ind['id']}/values"
    for period, value in (("2024-01", 0.1), ("2024-02", "0.2")):
        assert (await client.post(url, json={"period": period, "value": value})).status_code == 201
    r = await client.post(url, json={"period": "2024-03", "value": 0.3, "source": "月报"})
    assert r.status_code == 201 and r.headers["location"] == f"/api/v1/indicators/{ind['id']}"
    assert r.json()["derived"]["cumulative"] == "0.6"  # not 0.6000000000000001
    assert r.json()["derived"]["percent_of_target"] == "60"

    # a year-to-date figure may sit above the months it contains: they are not counted twice
    r = await client.post(url, json={"period": "2024-01-01/2024-03-31", "value": "0.6"})
    assert r.json()["derived"]["cumulative"] == "0.6"
    # a correction replaces the figure, and the audit keeps the one before
    r = await client.post(url, json={"period": "2024-03", "value": "0.35"})
    assert [v["value"] for v in r.json()["series"] if v["period"] == "2024-03"] == ["0.35"]
    audit = (await client.get(f"/api/v1/audit?entity_type=indicator&entity_id={ind['id']}")).json()["items"]
    actions = [a["action"] for a in audit]
    assert actions.count("indicator.value_reported") == 5 and "indicator.created" in actions
    assert {"value": "0.3", "stages": None} in [a["before"] for a in audit]
    while sum(await app.state.relay.run_once()):
        pass
    feed = (await client.get("/api/v1/changes?limit=200")).json()["items"]
    mine = [c for c in feed if c["aggregate_type"] == "indicator" and c["aggregate_id"] == str(ind["id"])]
    assert [c["type"] for c in mine] == ["indicator.created"] + ["indicator.value_reported"] * 5
    assert mine[-1]["data"]["replaced"] is True and mine[-1]["data"]["period"] == "2024-03"


@pytest.mark.parametrize(
    ("kind", "unit", "body", "field", "reason"),
    [
        ("cumulative", "平方公里", {"period": "2024", "value": -1}, "body.value", "negative"),
        ("ratio", "%", {"period": "2024", "value": "100.1"}, "body.value", "percentage cannot exceed 100"),
        ("level", "%", {"period": "2024", "value": 130}, "body.value", "percentage cannot exceed 100"),
        ("cumulative", "个", {"period": "2999", "value": 1}, "body.period", "not started"),
        (
            "count_by_stage",
            "个",
            {"period": "2024", "stages": [{"stage": "built", "label": "已建成", "count": -2}]},
            "body.stages",
            "negative",
        ),
    ],
)
async def test_implausible_values_are_422_with_the_reason_and_nothing_is_written(
    client, demo_round, kind, unit, body, field, reason
):
    ind = await new_indicator(client, (await org_ids(client))["锡林郭勒盟"], kind=kind, unit=unit)
    r = await client.post(f"/api/v1/indicators/{ind['id']}/values", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "implausible_value" and err["message"].startswith("数值不合理")
    assert err["details"][0]["field"] == field and reason in err["details"][0]["reason"]
    assert (await client.get(f"/api/v1/indicators/{ind['id']}")).json()["series"] == []


async def test_bad_input_is_refused(client, demo_round):
    orgs = await org_ids(client)
    ind = await new_indicator(client, orgs["锡林郭勒盟"])
    url = f"/api/v1/indicators/{ind['id']}/values"
    assert (await client.post(url, json={"period": "2024-Q1", "value": 1})).status_code == 201
    overlapping = await client.post(url, json={"period": "2024-03-01/2024-04-30", "value": 1})
    assert overlapping.status_code == 422 and "2024-Q1" in overlapping.json()["error"]["details"][0]["reason"]
    for body in (
        {"period": "2024-13", "value": 1},
        {"period": "2024-Q5", "value": 1},
        {"period": "2024-05-01/2024-04-01", "value": 1},
        {"period": "2024"},
        {"period": "2024", "value": "abc"},
        {"period": "2024", "value": 1, "stages": [{"stage": "built", "label": "已建成", "count": 1}]},
    ):
        r = await client.post(url, json=body)
        assert r.status_code == 422, (body, r.text)
    assert len((await client.get(f"/api/v1/indicators/{ind['id']}")).json()["series"]) == 1

    bad_defs = [
        {"name": "x", "unit": "%", "kind": "ratio", "org_id": orgs["锡林郭勒盟"], "target": 120},
        {"name": "x", "unit": "个", "kind": "cumulative", "org_id": orgs["锡林郭勒盟"], "baseline": 1},
        {"name": "x", "unit": "个", "kind": "sum", "org_id": orgs["锡林郭勒盟"]},
        {"name": "x", "unit": "个", "kind": "cumulative", "org_id": 999999},
        {"name": "x", "unit": "个", "kind": "cumulative", "org_id": orgs["锡林郭勒盟"], "measure_ids": [999999]},
    ]
    for body in bad_defs:
        assert (await client.post("/api/v1/indicators", json=body)).status_code == 422, body
    assert (await client.get("/api/v1/indicators/999999")).status_code == 404


async def test_units_report_for_their_own_org_and_see_only_their_scope(client, signin, demo_round):
    orgs = await org_ids(client)
    own = await new_indicator(client, orgs["阿巴嘎旗"], round_id=demo_round)
    unit = await signin("abgq")
    # the league's indicators are outside the county's scope
    assert [i["id"] for i in (await unit.get("/api/v1/indicators")).json()["items"]] == [own["id"]]
    league = (await by_name(client, "/api/v1/indicators"))[MINES]["id"]
    assert (await unit.get(f"/api/v1/indicators/{league}")).status_code == 404
    assert (
        await unit.post(f"/api/v1/indicators/{league}/values", json={"period": "2024", "value": 1})
    ).status_code == 404

    r = await unit.post(f"/api/v1/indicators/{own['id']}/values", json={"period": "2024", "value": "3.5"})
    assert r.status_code == 201 and r.json()["series"][0]["org_id"] == orgs["阿巴嘎旗"]
    assert r.json()["series"][0]["reported_by"] == "abgq"
    other = await unit.post(
        f"/api/v1/indicators/{own['id']}/values", json={"period": "2023", "value": 1, "org_id": orgs["东乌珠穆沁旗"]}
    )
    assert other.status_code == 422 and other.json()["error"]["details"][0]["field"] == "body.org_id"
    # only the office defines indicators; leaders only read
    assert (
        await unit.post(
            "/api/v1/indicators", json={"name": "x", "unit": "个", "kind": "cumulative", "org_id": orgs["阿巴嘎旗"]}
        )
    ).status_code == 403
    leader = await signin("leader")
    assert (
        await leader.post(f"/api/v1/indicators/{league}/values", json={"period": "2024", "value": 1})
    ).status_code == 403
    assert (await leader.get(f"/api/v1/indicators/{league}")).json()["derived"]["cumulative"] == "61.11"


async def test_as_of_shows_only_what_was_reported_by_then(client, demo_round):
    ind = await by_name(client, "/api/v1/indicators")
    mines = ind[MINES]["id"]
    early = (await client.get(f"/api/v1/indicators/{mines}?as_of=2023-01-10")).json()
    assert early["series"] == [] and early["derived"]["cumulative"] is None and early["sentence"] is None
    after = (await client.get(f"/api/v1/indicators/{mines}?as_of=2024-01-20")).json()
    assert after["derived"]["cumulative"] == "43.9"
    assert (await client.get("/api/v1/stats/indicators?round_id=999999")).status_code == 404
