"""Security review finding 12: a vertical tab or NUL in one unit's text broke the province's docx.

Input: text with C0 controls (other than tab, newline, carriage return) or U+FFFE/U+FFFF is
refused with a 422 naming the field, in Chinese and English; a name with a bidi override too.
Output: a row written before the check (put into the database directly here) still renders the
province's documents, in every format, with the characters removed.
"""

import io

import openpyxl
from docx import Document
from sqlalchemy import select, update

from rectify_shared.models import Issue, Measure, ReportFile
from report_worker.jobs import render_report


async def _abgq_issue(client) -> tuple[int, int]:
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    items = (await client.get(f"/api/v1/issues?lead_org_id={orgs['阿巴嘎旗']}&limit=5")).json()["items"]
    if not items:
        items = (await client.get("/api/v1/issues?limit=5")).json()["items"]
    issue_id = items[0]["id"]
    measures = (await client.get(f"/api/v1/issues/{issue_id}")).json()["measures"]
    return issue_id, measures[0]["id"]


async def test_finding_12_control_characters_refused_at_input(client, signin, demo_round):
    issue_id, measure_id = await _abgq_issue(client)
    for text in ("进展\x0b顺利", "进展\x00顺利", "non-character \ufffe"):
        r = await client.post(f"/api/v1/measures/{measure_id}/progress", json={"text": text})
        assert r.status_code == 422, (repr(text), r.text)
        error = r.json()["error"]
        assert error["code"] == "validation_error"
        detail = next(d for d in error["details"] if d["field"] == "body.text")
        assert "控制字符" in detail["reason"] and "control character" in detail["reason"]
    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"description": "问题\x0b描述"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.description"
    # tabs and line breaks are ordinary text
    r = await client.post(f"/api/v1/measures/{measure_id}/progress", json={"text": "第一段\n第二段\t完成\r\n"})
    assert r.status_code == 201, r.text
    # a bidi override in a name
    nmg = next(o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"] if o["parent_id"] is None)
    r = await client.post("/api/v1/orgs", json={"name": "测试\u202eexe.pdf", "kind": "county", "parent_id": nmg})
    assert r.status_code == 422 and "bidirectional" in r.text


async def _render(app, report_id: int) -> bytes:
    state = app.state.rectify
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": report_id}) == "done"
    async with state.read_sessions() as s:
        return (await s.execute(select(ReportFile.content).where(ReportFile.report_id == report_id))).scalar_one()


async def test_finding_12_legacy_control_characters_still_render_the_province_docx(app, client, demo_round):
    issue_id, measure_id = await _abgq_issue(client)
    # as a row written before the check (PostgreSQL cannot store NUL; SQLite can)
    nul = "\x00" if app.state.rectify.settings.effective_database_url.startswith("sqlite") else "\x01"
    async with app.state.rectify.write_sessions() as s:
        await s.execute(update(Issue).where(Issue.id == issue_id).values(description=f"遗留\x0b问题{nul}描述"))
        await s.execute(update(Measure).where(Measure.id == measure_id).values(text="遗留\x0c措施\x1f文字"))
        await s.commit()
    wanted = [("progress_report", "docx"), ("ledger", "docx"), ("ledger", "xlsx"), ("ledger", "md")]
    wanted += [("issue_progress", "docx"), ("ledger", "pdf")]
    for kind, fmt in wanted:
        body = {"kind": kind, "round_id": demo_round, "format": fmt, "as_of": "2099-12-31"}
        r = await client.post("/api/v1/reports", json=body)
        assert r.status_code in (200, 202), r.text
        content = await _render(app, r.json()["id"])
        if fmt == "docx":
            doc = Document(io.BytesIO(content))
            text = "\n".join(p.text for p in doc.paragraphs) + "".join(
                c.text for t in doc.tables for row in t.rows for c in row.cells
            )
            if kind != "progress_report":
                assert "遗留问题描述" in text, kind
        elif fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(content))
            values = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
            assert "遗留问题描述" in values and "遗留措施文字" in values
        elif fmt == "md":
            assert "遗留问题描述" in content.decode("utf-8") and "\x0b" not in content.decode("utf-8")
