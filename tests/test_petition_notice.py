"""The petition notice (边督边改) says what `/stats/petitions` says for the same round, scope and
day — for the demo's closed cases, at a past day when many were still open, and with a new
batch of open cases — and the batch table lists a batch's cases in its published columns."""

import io
from datetime import date
from types import SimpleNamespace

from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from rectify_shared.models import ReportFile
from rectify_shared.timezone import today as china_today
from report_worker.jobs import render_report
from report_worker.petition_data import load_notice
from report_worker.render.petition_notice import render_notice_md


async def orgs_by_name(client):
    return {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


def expected_cumulative(api: dict, area: str, as_of: date) -> str:
    """The sentence written out from the stats endpoint's answer, independently of the renderer."""
    nos, s, acc = api["batch_nos"], api["by_state"], api["accountability"]
    batches = f"第{nos[0]}批" if nos[0] == nos[-1] else f"第{nos[0]}-{nos[-1]}批"
    return (
        f"截至{as_of.month}月{as_of.day}日，{area}已对{batches}{api['total']}件信访举报件进行调查处理，其中，"
        f"已办结{s['closed']}件、阶段性办结{s['closed_in_stage']}件、未办结{s['in_progress']}件，"
        f"责令整改{acc['ordered_rectification']}家、立案处罚{acc['penalty_cases']}家、罚款{acc['fine_yuan']}元。"
    )


async def new_batch(client, round_id: int, orgs: dict) -> dict:
    """Batch 30 with three cases in 阿巴嘎旗 and 多伦县: one left open, one closed in stage, one closed."""
    batch = (
        await client.post(
            "/api/v1/petition-batches", json={"round_id": round_id, "batch_no": 30, "transferred_at": "2024-12-10"}
        )
    ).json()
    ids = []
    for n, (place, fine) in enumerate((("阿巴嘎旗", 0), ("阿巴嘎旗", 12345), ("多伦县", 50000))):
        body = {
            "batch_id": batch["id"],
            "intake_no": f"D3NM2024121000{n}",
            "content": f"反映某企业扬尘污染（{n}）。",
            "locality_org_id": orgs[place]["id"],
            "pollution_types": ["air", "noise"],
            "accountability": {"ordered_rectification": 1, "penalty_cases": int(fine > 0), "fine_yuan": fine},
        }
        r = await client.post("/api/v1/petition-cases", json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    patch = {"state": "closed_in_stage", "findings": "经核查，基本属实。", "verdict": "largely_substantiated"}
    assert (await client.patch(f"/api/v1/petition-cases/{ids[1]}", json=patch)).status_code == 200
    closing = {"verdict": "substantiated", "certified_by": "自治区生态环境厅", "certified_at": "2024-12-12"}
    assert (await client.patch(f"/api/v1/petition-cases/{ids[2]}", json=closing)).status_code == 200
    assert (await client.patch(f"/api/v1/petition-cases/{ids[2]}", json={"state": "closed"})).status_code == 200
    return batch


async def test_notice_figures_equal_the_stats_endpoint(app, client, signin, demo_round):
    orgs = await orgs_by_name(client)
    await new_batch(client, demo_round, orgs)
    county = await signin("abgq")
    today = china_today()
    cases = [
        (client, "内蒙古自治区", False, "全区"),
        (client, "锡林郭勒盟", False, "全盟"),
        (county, "阿巴嘎旗", True, "全旗"),
    ]
    for caller, org, exact, area in cases:
        for as_of in (date(2022, 3, 30), date(2022, 4, 10), date(2024, 12, 15), today):
            api = (await caller.get(f"/api/v1/stats/petitions?round_id={demo_round}&as_of={as_of}")).json()
            job = SimpleNamespace(
                kind="petition_notice", round_id=demo_round, as_of=as_of, org_path=orgs[org]["path"], scope_exact=exact
            )
            async with app.state.rectify.read_sessions() as session:
                notice = await load_notice(session, job)
            f = notice.cumulative
            assert (f.total, f.batch_nos, f.by_state, f.accountability) == (
                api["total"],
                api["batch_nos"],
                api["by_state"],
                api["accountability"],
            ), (org, as_of)
            text = render_notice_md(notice).decode()
            if api["total"]:
                assert expected_cumulative(api, area, as_of) in text, (org, as_of, text)
            else:
                assert f"截至{as_of.month}月{as_of.day}日，中央督察组尚未向{area}交办信访举报件。" in text
    # the past day and the new batch are not the trivial "all closed"
    api = (await client.get(f"/api/v1/stats/petitions?round_id={demo_round}&as_of=2022-04-10")).json()
    assert api["by_state"]["in_progress"] and api["by_state"]["closed_in_stage"]
    now = (await client.get(f"/api/v1/stats/petitions?round_id={demo_round}")).json()
    assert now["by_state"] == {"in_progress": 1, "closed_in_stage": 1, "closed": 92}


async def render(app, report_id: int) -> bytes:
    state = app.state.rectify
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with state.read_sessions() as s:
        return (await s.execute(select(ReportFile.content).where(ReportFile.report_id == report_id))).scalar_one()


async def test_the_days_batch_and_the_money_unit(app, client, demo_round):
    orgs = await orgs_by_name(client)
    batch = await new_batch(client, demo_round, orgs)
    league = orgs["锡林郭勒盟"]["id"]
    body = {"kind": "petition_notice", "round_id": demo_round, "format": "md", "org_id": league}
    r = await client.post(
        "/api/v1/reports", json={**body, "as_of": china_today().isoformat(), "money_unit": "wan_yuan"}
    )
    assert r.status_code == 202, r.text
    text = (await render(app, r.json()["id"])).decode()
    assert text.startswith("# 锡林郭勒盟第二轮中央生态环境保护督察边督边改信访举报件办理情况")
    assert (
        "全盟已对中央督察组交办的第30批3件信访举报件进行调查处理，其中，已办结1件、阶段性办结1件、未办结1件；"
        "责令整改3家、立案处罚2家、罚款6.2345万元。"
    ) in text
    assert "已对第1-30批94件信访举报件进行调查处理" in text
    # an earlier day: that day's latest batch, by default; a named batch when asked
    demo_batches = (await client.get(f"/api/v1/petition-batches?round_id={demo_round}&limit=100")).json()["items"]
    first = next(b for b in demo_batches if b["batch_no"] == 1)
    early = await client.post("/api/v1/reports", json={**body, "as_of": first["transferred_at"]})
    early_text = (await render(app, early.json()["id"])).decode()
    assert "交办的第1批" in early_text and "第30批" not in early_text
    named = await client.post("/api/v1/reports", json={**body, "format": "docx", "batch_id": batch["id"]})
    paragraphs = [p.text for p in Document(io.BytesIO(await render(app, named.json()["id"]))).paragraphs]
    assert "（第30批）" in paragraphs and any("罚款62345元" in p for p in paragraphs)


async def test_requests_are_checked(client, demo_round):
    base = {"round_id": demo_round, "format": "md"}
    for body in (
        {"kind": "petition_table"},  # no batch
        {"kind": "petition_table", "batch_id": 999999},  # no such batch
        {"kind": "petition_notice", "format": "xlsx"},  # not published as a workbook
        {"kind": "ledger", "batch_id": 1},
        {"kind": "ledger", "money_unit": "wan_yuan"},
        {"kind": "petition_notice", "money_unit": "jiao"},
    ):
        r = await client.post("/api/v1/reports", json={**base, **body})
        assert r.status_code == 422, (body, r.text)
        error = r.json()["error"]
        assert error["message"] and error["message_en"] and error["details"], body


async def test_the_batch_table_in_every_format(app, client, signin, demo_round):
    orgs = await orgs_by_name(client)
    batch = await new_batch(client, demo_round, orgs)
    body = {"kind": "petition_table", "round_id": demo_round, "batch_id": batch["id"]}
    workbook = await client.post("/api/v1/reports", json={**body, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(await render(app, workbook.json()["id"]))).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0] == ("序号", "受理编号", "交办问题基本情况", "行政区域", "污染类型", "调查核实情况", "是否属实",
                       "处理和整改情况", "责任追究情况")  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["D3NM20241210000", "D3NM20241210001", "D3NM20241210002"]
    assert rows[2][3:7] == ("阿巴嘎旗", "大气、噪声", "经核查，基本属实。", "基本属实")
    assert rows[2][8] == "责令整改1家，立案处罚1家，罚款12345元。"
    # a county's table holds its own cases only
    county = await signin("abgq")
    md = await county.post("/api/v1/reports", json={**body, "format": "md"})
    text = (await render(app, md.json()["id"])).decode()
    assert "D3NM20241210001" in text and "D3NM20241210002" not in text
    pdf = await client.post("/api/v1/reports", json={**body, "format": "pdf"})
    pages = PdfReader(io.BytesIO(await render(app, pdf.json()["id"]))).pages
    extracted = "".join(p.extract_text() for p in pages).replace("\n", "")
    assert "D3NM20241210002" in extracted and "第30批信访举报件办理情况一览表" in extracted
    word = await client.post("/api/v1/reports", json={**body, "format": "docx"})
    table = Document(io.BytesIO(await render(app, word.json()["id"]))).tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["序号", "受理编号", "交办问题基本情况"]
    assert len(table.rows) == 4
