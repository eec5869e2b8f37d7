"""The office at work in the browser: sign in, dashboard, ledger filters, problem 9, ledger export."""

import io
import re
from typing import Any

import openpyxl
import pytest

from rectify_shared.clock import today as china_today

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e
SIZES = ("phone", "desktop")


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login\?redirect="))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登 录").click()


@pytest.mark.parametrize("size", SIZES)
def test_office_signs_in_reads_the_dashboard_filters_the_ledger_and_exports_it(size, open_page, system, screenshot):
    page = open_page(size)
    sign_in(page, "admin", system.admin_password)
    who = page.locator("[data-test=whoami]")
    expect(who).to_contain_text("admin")
    expect(who).to_contain_text("整改办")

    # the dashboard's figures are those of /stats/issues for the same as_of
    today = china_today().isoformat()
    stats = system.admin.get("/stats/issues", params={"round_id": system.round_id, "as_of": today}).json()
    expect(page.locator("[data-test=stat-total]")).to_contain_text(str(stats["total"]))
    for status, count in stats["by_status"].items():
        expect(page.locator(f"[data-test=stat-{status}]")).to_contain_text(str(count))
    expect(page.get_by_text("示意图（非实际地理边界）")).to_be_visible()
    expect(page.locator(".tile").first).to_be_visible()
    screenshot(page, "dashboard", size)

    # the ledger, filtered by status: the rows are the API's
    page.goto("/console/ledger?status=in_progress")
    expected = system.admin.get(
        "/issues", params={"round_id": system.round_id, "status": "in_progress", "limit": 50}
    ).json()["items"]
    rows = page.locator("[data-test=ledger-table] .el-table__body tr")
    expect(rows).to_have_count(len(expected))
    expect(rows.first).to_contain_text("正在推进")
    screenshot(page, "ledger", size)

    # problem 9: its measures, and the office-only audit trail
    nine = next(
        i for i in system.admin.get("/issues", params={"round_id": system.round_id}).json()["items"] if i["seq"] == 9
    )
    page.goto(f"/console/issues/{nine['id']}")
    expect(page.get_by_role("heading", name=re.compile("第9项"))).to_be_visible()
    detail = system.admin.get(f"/issues/{nine['id']}").json()
    expect(page.locator("[data-test=measures] .el-table__body tr")).to_have_count(len(detail["measures"]))
    expect(page.get_by_text("操作记录（仅整改办可见")).to_be_visible()
    screenshot(page, "issue-detail", size)

    # the ledger's xlsx export: requested through /reports, polled, downloaded as a real workbook
    page.goto("/console/ledger")
    with page.expect_download(timeout=90_000) as got:
        page.locator("[data-test=export-xlsx]").click()
    download = got.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert nine["description"][:20] in text
    assert not page.problems, page.problems
