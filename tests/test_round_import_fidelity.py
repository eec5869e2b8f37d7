"""A round imported from the clerk's 台账 is the seeded round: the seed report comes out of it word
for word, and Rectify's own exported ledger, edited in Excel, imports back with exactly the edit."""

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from issues_api.imports import samples
from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.timezone import today

from .conftest import render_demo_report
from .test_seed_fidelity import SEED, TITLE, lines

#: the seed beside the checkout, or where RECTIFY_SEED_FILE says (a worktree outside the team kit)
SEED_FILE = SEED if SEED.exists() else Path(os.environ.get("RECTIFY_SEED_FILE", "/nonexistent"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def imported_round(client: Any, demo_round: int) -> int:
    demo = (await client.get(f"/api/v1/rounds/{demo_round}")).json()
    body = {k: demo[k] for k in ("name", "inspection_team", "stay_start", "stay_end", "feedback_date", "target_region")}
    r = await client.post("/api/v1/rounds", json={**body, "org_id": demo["org_id"]})
    assert r.status_code == 201, r.text
    round_id = int(r.json()["id"])
    files = {"file": ("整改台账.xlsx", samples.clerk_ledger_xlsx(), XLSX)}
    job = (await client.post(f"/api/v1/rounds/{round_id}/imports", files=files)).json()
    mapping = {u["text"]: u["suggestions"][0]["id"] for u in job["preview"]["unknown_orgs"]}
    r = await client.post(f"/api/v1/rounds/{round_id}/imports/{job['id']}/apply", json={"org_mapping": mapping})
    assert r.status_code == 200 and r.json()["result"]["created"] == 12, r.text
    return round_id


@pytest.mark.skipif(not SEED_FILE.exists(), reason="the team kit's seed is not beside this checkout")
async def test_the_imported_round_reproduces_the_seed(app, client, demo_round):
    round_id = await imported_round(client, demo_round)
    seed = SEED_FILE.read_text(encoding="utf-8")
    expected = lines(seed[seed.index(TITLE) :])
    content = await render_demo_report(app, round_id, ReportKind.ledger, ReportFormat.md)
    rendered = [re.sub(r"^#+", "", line) for line in lines(content.decode("utf-8"))]
    rendered = [line for line in rendered if not line.startswith("数据截至")]
    assert rendered == expected


async def test_the_exported_ledger_edited_in_excel_imports_back_with_only_the_edit(app, client, demo_round):
    round_id = await imported_round(client, demo_round)
    # exported today, as an office would before editing it
    exported = await render_demo_report(app, round_id, ReportKind.ledger, ReportFormat.xlsx, as_of=today())

    async def preview(data: bytes) -> dict[str, Any]:
        r = await client.post(f"/api/v1/rounds/{round_id}/imports", files={"file": ("台账.xlsx", data, XLSX)})
        assert r.status_code == 201, r.text
        return r.json()

    untouched = (await preview(exported))["preview"]
    assert untouched["counts"] == {"create": 0, "update": 0, "unchanged": 12}, [
        (row["seq"], row["changes"], row["measure_changes"])
        for row in untouched["rows"]
        if row["action"] != "unchanged"
    ]

    wb = load_workbook(io.BytesIO(exported))
    ws = wb.active
    header = [c.value for c in next(r for r in ws.iter_rows(max_row=5) if r[0].value == "序号")]
    for row in ws.iter_rows():
        if row[0].value == 3:  # problem 3's merged cells hold their value on the first row
            row[header.index("整改状态")].value = "已完成整改"
            row[header.index("完成时限")].value = "2025年6月30日"
            break
    buf = io.BytesIO()
    wb.save(buf)
    job = await preview(buf.getvalue())
    p = job["preview"]
    assert p["counts"] == {"create": 0, "update": 1, "unchanged": 11}
    [row] = [r for r in p["rows"] if r["action"] == "update"]
    assert row["seq"] == 3 and row["measure_changes"] == []
    assert {c["field"]: (c["old"], c["new"]) for c in row["changes"]} == {
        "status": ("in_progress", "completed"),
        "deadline": ("2025-12-31", "2025-06-30"),
    }
    r = await client.post(f"/api/v1/rounds/{round_id}/imports/{job['id']}/apply", json={})
    assert r.status_code == 200 and r.json()["result"]["updated"] == 1, r.text
