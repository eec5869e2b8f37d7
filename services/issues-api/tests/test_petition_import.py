"""POST /petition-batches/{id}/import: the team's 一览表 as .xlsx — all rows or none."""

import io

from openpyxl import Workbook

from .test_petitions_api import all_cases, new_batch, org_ids

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "序号",
    "受理编号",
    "交办问题基本情况",
    "行政区域",
    "污染类型",
    "调查核实情况",
    "是否属实",
    "处理和整改情况",
    "责任追究情况",
]


def workbook(
    rows: list[list],
    header: list[str] = HEADER,
    title: str | None = "中央第三生态环境保护督察组第101批交办信访件一览表",
) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = [
    [
        1,
        "D3NM202509260101",
        "反映某砂石料场扬尘污染严重。",
        "阿巴嘎旗",
        "大气",
        "经核查属实。",
        "属实",
        "已责令整改。",
        "责令整改1家",
    ],
    [2, "D3NM202509260102", "反映某洗煤厂废水外排。", "东乌旗", "水、生态", "", "", "", ""],
    [3, "D3NM202509260103", "反映某商砼站夜间噪声扰民。", "锡林浩特", "噪声", "", "部分属实", "", ""],
]


async def upload(client, batch_id: int, content: bytes, *, multipart: bool = True, name: str = "一览表.xlsx"):
    url = f"/api/v1/petition-batches/{batch_id}/import"
    if multipart:
        return await client.post(url, files={"file": (name, content, XLSX)})
    return await client.post(url, content=content, headers={"content-type": XLSX})


async def test_a_clean_sheet_imports_every_case(client, demo_round):
    orgs = await org_ids(client)
    batch = await new_batch(client, demo_round)
    r = await upload(client, batch["id"], workbook(GOOD))
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 3
    cases = {c["intake_no"]: c for c in await all_cases(client, f"&batch_id={batch['id']}")}
    assert set(cases) == {row[1] for row in GOOD}
    first, second, third = (cases[row[1]] for row in GOOD)
    assert first["locality_org_id"] == orgs["阿巴嘎旗"] and first["verdict"] == "substantiated"
    assert first["accountability"]["notes"] == "责令整改1家" and first["findings"] == "经核查属实。"
    assert second["locality_org_id"] == orgs["东乌珠穆沁旗"] and second["pollution_types"] == ["water", "ecology"]
    assert third["locality_org_id"] == orgs["锡林浩特市"] and third["verdict"] == "partly_substantiated"
    assert all(c["state"] == "in_progress" and c["due_date"] == "2025-10-06" for c in cases.values())


async def test_headers_are_matched_tolerantly_and_a_raw_body_works(client, demo_round):
    batch = await new_batch(client, demo_round)
    header = ["序 号", "受理编号：", "交办问题\n基本情况", "行政区域*", "污染类型"]
    rows = [[1, "Ｄ３ＮＭ２０２５０９２６０２０１", "反映某料场扬尘。", "多伦县", "大气，噪声"]]
    r = await upload(client, batch["id"], workbook(rows, header, title=None), multipart=False)
    assert r.status_code == 201, r.text
    [case] = await all_cases(client, f"&batch_id={batch['id']}")
    assert case["intake_no"] == "D3NM202509260201" and case["pollution_types"] == ["air", "noise"]


async def test_a_bad_row_rejects_the_whole_batch_with_every_error_listed(client, demo_round):
    batch = await new_batch(client, demo_round)
    existing = (await all_cases(client, f"&round_id={demo_round}"))[0]["intake_no"]
    rows = [
        GOOD[0],
        [2, "", "反映某厂废气。", "多伦县", "大气", "", "", "", ""],
        [3, "D3NM202509260302", "反映某厂废水。", "火星市", "水", "", "大概属实", "", ""],
        [4, "D3NM202509260101", "重复的受理编号。", "多伦县", "毒气", "", "", "", ""],
        [5, existing, "本轮已有的受理编号。", "多伦县", "大气", "", "", "", ""],
    ]
    r = await upload(client, batch["id"], workbook(rows))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "import_rejected" and "未导入" in error["message"] and "not imported" in error["message_en"]
    found = {(d["row"], d["column"]) for d in error["details"]}
    # the title is row 1 and the header row 2: data rows start at 3
    assert found == {
        (4, "受理编号"),
        (5, "行政区域"),
        (5, "是否属实"),
        (6, "受理编号"),
        (6, "污染类型"),
        (7, "受理编号"),
    }
    assert all(" / " in d["reason"] for d in error["details"])  # Chinese / English
    assert await all_cases(client, f"&batch_id={batch['id']}") == []  # nothing half-imported


async def test_only_xlsx_by_content_is_accepted(client, demo_round):
    batch = await new_batch(client, demo_round)
    csv = "受理编号,交办问题基本情况,行政区域\nD3NM1,反映,多伦县\n".encode()
    r = await upload(client, batch["id"], csv, name="一览表.xlsx")
    assert r.status_code == 415 and r.json()["error"]["code"] == "not_xlsx"
    r = await upload(client, batch["id"], b"")
    assert r.status_code == 422
    r = await upload(client, batch["id"], workbook([], header=["序号", "内容"]))
    assert r.status_code == 422 and "表头" in r.json()["error"]["message"] + str(r.json()["error"]["details"])


async def test_too_large_an_upload_is_refused(client, demo_round):
    batch = await new_batch(client, demo_round)
    r = await upload(client, batch["id"], b"PK\x03\x04" + b"0" * (2 * 1024 * 1024))
    assert r.status_code == 413


async def test_importing_is_for_the_office_of_the_batch(client, signin, demo_round):
    batch = await new_batch(client, demo_round)
    unit = await signin("abgq")
    assert (await upload(unit, batch["id"], workbook(GOOD))).status_code == 403
    assert (await upload(client, 999999, workbook(GOOD))).status_code == 404
