"""The petition batch import, finished: 办理状态, 责任追究 counts, pollution types as data, preview.

The fixture is a batch file as a league office sends it back: a merged title and a 填报单位 line
above a header with line breaks, the 办理状态 column in the province's words (未办结 for 正在办理),
责任追究情况 written in several ways (digits, Chinese numerals, 万元, count before or after the
measure, a count nobody could read), pollution types beyond the former enum (扬尘, 油烟, and
光污染, which the office adds through the API), and one misspelt type (扬沉).
"""

import io

import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment
from sqlalchemy import select

from issues_api.petitions.accountability import chinese_number, read
from rectify_shared.models import PetitionStateChange

from .test_petition_import import upload
from .test_petitions_api import all_cases, new_batch

HEADER = [
    "序号",
    "受理\n编号",
    "交办问题\n基本情况",
    "行政\n区域",
    "污染\n类型",
    "调查核实情况",
    "是否\n属实",
    "处理和整改情况",
    "责任追究\n情况",
    "办理\n状态",
]
ROWS = [
    [
        1,
        "D3NM202509260501",
        "反映阿巴嘎旗别力古台镇某砂石料场露天堆放，大风天气扬尘严重。",
        "阿巴嘎旗",
        "扬尘",
        "经现场核查，该料场物料未苫盖，反映问题属实。",
        "属实",
        "已全部苫盖，安装喷淋设施。",
        "责令整改3家，立案处罚2家，罚款1.5万元；约谈企业负责人2人。",
        "已办结",
    ],
    [
        2,
        "D3NM202509260502",
        "反映东乌珠穆沁旗乌里雅斯太镇多家烧烤店油烟直排，夜间噪声扰民。",
        "东乌旗",
        "油烟、噪声",
        "部分店铺未安装油烟净化设施。",
        "部分属实",
        "已督促安装油烟净化器。",
        "对两家餐饮企业责令整改，罚款人民币8,000元；问责一人。",
        "阶段性办结",
    ],
    [
        3,
        "D3NM202509260503",
        "反映锡林浩特市某广场大功率射灯彻夜照射居民楼。",
        "锡林浩特",
        "光污染",
        "核查中。",
        "属实",
        "",
        "立案侦查1件，行政拘留2人、刑事拘留一人；\n约谈相关负责人，处罚款3万余元。",
        "未办结",
    ],
    [
        4,
        "D3NM202509260504",
        "反映多伦县某企业废气排放。",
        "多伦县",
        "大气污染，固体废物",
        "",
        "不属实",
        "",
        "无",
        "正在办理",
    ],
    [5, "D3NM202509260505", "反映多伦县某工地渣土车未苫盖。", "多伦县", "扬沉", "", "", "", "", "正在办理"],
]


def city_workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "第101批"
    ws.append(["锡林郭勒盟第101批中央生态环境保护督察交办信访件办理情况一览表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(["填报单位（盖章）：锡林郭勒盟生态环境保护督察整改工作领导小组办公室      填报日期：2025年10月6日"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADER))
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("text", "counts", "warned"),
    [
        (
            "责令整改3家，立案处罚2家，罚款1.5万元；约谈企业负责人2人。",
            {"ordered_rectification": 3, "penalty_cases": 2, "fine_yuan": 15000, "interviews": 2},
            0,
        ),
        (
            "对两家餐饮企业责令整改，罚款人民币8,000元；问责一人。",
            {"ordered_rectification": 2, "fine_yuan": 8000, "accountable_persons": 1},
            0,
        ),
        (
            "责令限期整改企业十二家，罚款共计三万元，3人被问责",
            {"ordered_rectification": 12, "fine_yuan": 30000, "accountable_persons": 3},
            0,
        ),
        (
            "立案侦查1件，行政拘留2人、刑事拘留一人；约谈相关负责人，处罚款3万余元。",
            {"criminal_investigations": 1, "administrative_detentions": 2, "criminal_detentions": 1},
            2,
        ),
        ("罚没款3万元", {}, 1),
        ("无", {}, 0),
    ],
)
def test_accountability_counts_are_read_where_plainly_stated_and_never_guessed(text, counts, warned):
    reading = read(text)
    assert reading.counts == counts
    assert len(reading.warnings) == warned
    assert [chinese_number(t) for t in ("三", "十二", "两百零五", "一万二千", "三五")] == [3, 12, 205, 12000, None]


def where(cells: list[dict]) -> set[tuple]:
    return {(c["sheet"], c["row"], c["column"], c["value"]) for c in cells}


async def test_a_city_batch_file_is_previewed_corrected_and_applied(app, client, signin, demo_round):
    batch = await new_batch(client, demo_round)
    url = f"/api/v1/petition-batches/{batch['id']}/import"
    before = (await client.get(f"/api/v1/stats/petitions?round_id={demo_round}")).json()

    # 1. preview: 光污染 is not listed yet and 扬沉 is a typo — each reported on its cell, nothing written
    r = await client.post(url + "?preview=true", files={"file": ("第101批.xlsx", city_workbook(ROWS))})
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["ok"] is False and preview["sheet"] == "第101批"
    assert where(preview["errors"]) == {("第101批", 6, "污染\n类型", "光污染"), ("第101批", 8, "污染\n类型", "扬沉")}
    typo = next(e for e in preview["errors"] if e["value"] == "扬沉")
    assert typo["matches"][0] == {"code": "dust", "name": "扬尘"}
    assert "未知的污染类型" in typo["reason_zh"] and "unknown pollution type" in typo["reason_en"]
    assert await all_cases(client, f"&batch_id={batch['id']}") == []
    r = await upload(client, batch["id"], city_workbook(ROWS))
    assert r.status_code == 422 and where(r.json()["error"]["details"]) == where(preview["errors"])

    # 2. the office adds 光污染 (a unit may not; a name already listed is refused)
    unit = await signin("abgq")
    light = {"code": "light", "name": "光污染", "aliases": ["灯光污染"]}
    assert (await unit.post("/api/v1/pollution-types", json=light)).status_code == 403
    r = await client.post("/api/v1/pollution-types", json=light)
    assert r.status_code == 201 and r.json()["builtin"] is False
    r = await client.post("/api/v1/pollution-types", json={"code": "dust2", "name": "扬尘"})
    assert r.status_code == 409 and "扬尘" in r.json()["error"]["message"]
    names = {t["name"] for t in (await unit.get("/api/v1/pollution-types")).json()}
    assert {"扬尘", "油烟", "噪声", "辐射", "固废", "光污染"} <= names

    # 3. the typo corrected: the preview shows states, counts and the text it could not read
    fixed = [*ROWS[:4], [*ROWS[4][:4], "扬尘", *ROWS[4][5:]]]
    r = await client.post(url + "?preview=true", files={"file": ("第101批.xlsx", city_workbook(fixed))})
    preview = r.json()
    assert preview["ok"] is True and preview["counts"] == {"create": 5, "errors": 0, "warnings": 2}
    rows = {p["intake_no"]: p for p in preview["rows"]}
    assert [rows[row[1]]["state"] for row in fixed] == [
        "closed",
        "closed_in_stage",
        "in_progress",
        "in_progress",
        "in_progress",
    ]
    assert rows["D3NM202509260503"]["state_written"] == "未办结"
    assert rows["D3NM202509260502"]["pollution_types"] == ["cooking_fumes", "noise"]
    assert rows["D3NM202509260504"]["pollution_types"] == ["air", "solid_waste"]
    assert {w["row"] for w in preview["warnings"]} == {6}  # 约谈 without a number, 3万余元
    assert {w["column"] for w in preview["warnings"]} == {"责任追究\n情况"}
    assert await all_cases(client, f"&batch_id={batch['id']}") == []

    # 4. applied: what the preview said, the text kept beside the counts
    r = await upload(client, batch["id"], city_workbook(fixed))
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 5 and len(r.json()["warnings"]) == 2
    cases = {c["intake_no"]: c for c in await all_cases(client, f"&batch_id={batch['id']}")}
    first, second, third = (cases[f"D3NM20250926050{i}"] for i in (1, 2, 3))
    assert first["state"] == "closed" and first["pollution_types"] == ["dust"]
    assert first["accountability"] == {
        "ordered_rectification": 3,
        "penalty_cases": 2,
        "fine_yuan": 15000,
        "criminal_investigations": 0,
        "administrative_detentions": 0,
        "criminal_detentions": 0,
        "interviews": 2,
        "accountable_persons": 0,
        "notes": ROWS[0][8],
    }
    assert second["state"] == "closed_in_stage" and second["accountability"]["fine_yuan"] == 8000
    assert third["state"] == "in_progress" and third["pollution_types"] == ["light"]
    assert third["accountability"]["interviews"] == 0 and third["accountability"]["fine_yuan"] == 0
    assert third["accountability"]["notes"] == ROWS[2][8]
    async with app.state.rectify.write_sessions() as s:
        history = (await s.execute(select(PetitionStateChange).where(PetitionStateChange.case_id == third["id"]))).all()
    assert [(h[0].to_state, h[0].reason) for h in history] == [("in_progress", "导入：办理状态“未办结”")]
    listed = await all_cases(client, f"&batch_id={batch['id']}&pollution_type=light")
    assert [c["intake_no"] for c in listed] == ["D3NM202509260503"]

    # 5. the statistics (and the notice, which aggregates the same way) count the structured figures
    after = (await client.get(f"/api/v1/stats/petitions?round_id={demo_round}")).json()
    gained = {k: after["accountability"][k] - before["accountability"][k] for k in after["accountability"]}
    assert gained == {
        "ordered_rectification": 5,
        "penalty_cases": 2,
        "fine_yuan": 23000,
        "criminal_investigations": 1,
        "administrative_detentions": 2,
        "criminal_detentions": 1,
        "interviews": 2,
        "accountable_persons": 1,
    }
    assert after["by_pollution_type"]["light"] == 1
    assert after["by_pollution_type"]["dust"] == before["by_pollution_type"].get("dust", 0) + 2
    assert after["by_state"]["closed"] == before["by_state"]["closed"] + 1

    # 6. a case written through the API may use the new type, not an unlisted one
    r = await client.patch(f"/api/v1/petition-cases/{third['id']}", json={"pollution_types": ["light", "glare"]})
    assert r.status_code == 422 and "glare" in r.json()["error"]["message"]


async def test_a_closed_row_needs_its_verdict_and_an_unknown_state_is_named(client, demo_round):
    batch = await new_batch(client, demo_round)
    rows = [
        [1, "D3NM202509260601", "反映某厂废水。", "多伦县", "水", "", "", "", "", "已办结"],
        [2, "D3NM202509260602", "反映某厂废气。", "多伦县", "大气", "", "", "", "", "基本办结"],
    ]
    r = await client.post(
        f"/api/v1/petition-batches/{batch['id']}/import?preview=true",
        files={"file": ("b.xlsx", city_workbook(rows))},
    )
    assert r.status_code == 200 and r.json()["ok"] is False
    assert where(r.json()["errors"]) == {
        ("第101批", 4, "办理\n状态", "已办结"),
        ("第101批", 5, "办理\n状态", "基本办结"),
    }
