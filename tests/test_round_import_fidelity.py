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
    col = {name: header.index(name) for name in header}
    rows = list(ws.iter_rows(min_row=3))
    first_of = {r[0].value: i for i, r in enumerate(rows) if isinstance(r[0].value, int)}
    issues = {i["seq"]: i for i in await issues_of(client, round_id)}
    # the row keys ride in hidden columns: the issue's and each measure's id
    three = rows[first_of[3]]
    assert three[col["问题键"]].value == f"issue:{issues[3]['id']}"
    assert three[col["措施键"]].value == f"measure:{issues[3]['measures'][0]['id']}"
    assert ws.column_dimensions["O"].hidden

    # the office's edits: problem 3 completed, its deadline moved, one responsible unit dropped, its
    # second measure handed to the unit of its first; problem 7's second measure row cleared
    units = three[col["责任单位"]].value.split("、")
    three[col["整改状态"]].value = "已完成整改"
    three[col["完成时限"]].value = "2025年6月30日"
    three[col["责任单位"]].value = units[0]
    rows[first_of[3] + 1][col["措施责任单位"]].value = three[col["措施责任单位"]].value
    for name in ("措施序号", "整改措施", "措施责任单位", "措施时限", "措施状态", "措施键"):
        rows[first_of[7] + 1][col[name]].value = None
    buf = io.BytesIO()
    wb.save(buf)
    job = await preview(buf.getvalue())
    p = job["preview"]
    assert p["counts"] == {"create": 0, "update": 1, "unchanged": 11}
    [row] = [r for r in p["rows"] if r["action"] == "update"]
    lead_unit = issues[3]["measures"][0]["responsible_org"]["id"]
    kept = next(o["id"] for o in issues[3]["responsible_orgs"] if o["name"] == units[0])
    assert row["seq"] == 3
    assert {c["field"]: (c["old"], c["new"]) for c in row["changes"]} == {
        "status": ("in_progress", "completed"),
        "deadline": ("2025-12-31", "2025-06-30"),
        "responsible_org_ids": (sorted(o["id"] for o in issues[3]["responsible_orgs"]), [kept]),
    }
    second = issues[3]["measures"][1]
    assert row["measure_changes"] == [
        {
            "position": 2,
            "changes": [{"field": "responsible_org_id", "old": second["responsible_org"]["id"], "new": lead_unit}],
        }
    ]
    # the cleared row moves nothing: problem 7's other measures match by their keys, not their order
    seven = next(r for r in p["rows"] if r["seq"] == 7)
    assert seven["action"] == "unchanged" and seven["measure_changes"] == []
    assert seven["notes"] == ["1项措施不在文件中，保持不变 / 1 measure(s) not in the file are left as they are"]

    r = await client.post(f"/api/v1/rounds/{round_id}/imports/{job['id']}/apply", json={})
    assert r.status_code == 200 and r.json()["result"]["updated"] == 1, r.text
    after = {i["seq"]: i for i in await issues_of(client, round_id)}
    assert (after[3]["status"], after[3]["deadline"]) == ("completed", "2025-06-30")
    assert (after[3]["deadline_text"], after[3]["deadline_precision"]) == ("2025年6月30日", "day")
    assert [o["id"] for o in after[3]["responsible_orgs"]] == [kept]
    assert [m["responsible_org"]["id"] for m in after[3]["measures"]][:2] == [lead_unit, lead_unit]
    # nothing else moved
    for seq in issues:
        if seq != 3:
            assert after[seq] == issues[seq], seq
    assert {k: v for k, v in after[3].items() if k not in CHANGED} == {
        k: v for k, v in issues[3].items() if k not in CHANGED
    }


#: what the edit of problem 3 changes (with what follows from it: the time, the wording, the next steps)
CHANGED = {
    "status", "status_text", "deadline", "deadline_text", "deadline_precision", "responsible_orgs", "measures",
    "updated_at", "on_schedule", "allowed_transitions", "overdue", "days_overdue",
}  # fmt: skip


async def issues_of(client: Any, round_id: int) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/issues?round_id={round_id}&limit=200")
    assert r.status_code == 200, r.text
    return [(await client.get(f"/api/v1/issues/{i['id']}")).json() for i in r.json()["items"]]
