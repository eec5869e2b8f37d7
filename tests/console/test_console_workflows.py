"""The office's tools and a leader's read-only view, each at phone (iPhone 13) and desktop (1440×900)
size: a scan rehearsed (预演) before it runs, the dashboard as of a chosen day, the reports centre's
list, a deadline extension (延期) asked for by a unit and decided by the office, and a 领导 who sees
everything in scope and no button that writes."""

import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from rectify_shared.clock import today as china_today

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.e2e
SIZES = ("phone", "desktop")
LEADER_PASSWORD = "Leader-console-2026"


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator(".el-loading-mask:visible, .van-loading")).to_have_count(0)


def pick_date(page: Any, selector: str, day: str) -> None:
    """An Element Plus date picker: type the day and confirm, as a person can."""
    box = page.locator(selector)
    box.fill(day)
    box.press("Enter")


def letter_count(system: Any) -> int:
    """Every letter in any state (the office sees proposed ones too)."""
    count, cursor = 0, None
    while True:
        got = system.admin.get("/escalations", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        count += len(got["items"])
        cursor = got["next_cursor"]
        if not cursor:
            return count


@pytest.fixture(scope="module")
def leader(system: Any) -> str:
    """A 领导 of the league, made through the API (the administrator's password changed at first sign-in)."""
    initial = "Set-by-admin-2026"
    made = system.admin.post(
        "/users",
        json={
            "username": "console_leader",
            "password": initial,
            "org_id": system.org_id("锡林郭勒盟"),
            "role": "leader",
        },
    )
    assert made.status_code == 201, made.text
    first = system.client("console_leader", initial)
    changed = first.post("/me/password", json={"current_password": initial, "new_password": LEADER_PASSWORD})
    assert changed.status_code == 204, changed.text
    return "console_leader"


def problem_for_abgq(system: Any, label: str, deadline: date, since: date | None = None) -> int:
    """A problem 阿巴嘎旗 leads, in progress; `since`: entered as history (补录) from that day."""
    made = system.admin.post(
        "/issues",
        json={
            "round_id": system.round_id,
            "category": "其他需要关注的问题方面",
            "description": f"控制台延期：阿巴嘎旗草原围栏修复（{label}）",
            "lead_org_id": system.org_id("阿巴嘎旗"),
            "deadline": deadline.isoformat(),
            **({"occurred_on": since.isoformat()} if since else {}),
        },
    )
    assert made.status_code == 201, made.text
    iid = int(made.json()["id"])
    started = {"status": "in_progress", **({"occurred_on": since.isoformat()} if since else {})}
    r = system.admin.patch(f"/issues/{iid}", json=started)
    assert r.status_code == 200, r.text
    return iid


@pytest.mark.parametrize("size", SIZES)
def test_the_office_rehearses_a_scan_then_runs_it(size, open_page, system, screenshot):
    page = open_page(size, "admin")
    page.goto("/console/letters")
    settle(page)
    # phone: a day three months ahead can only be rehearsed; desktop: today, rehearsed and then run
    day = (china_today() + timedelta(days=90)).isoformat() if size == "phone" else china_today().isoformat()
    pick_date(page, "[aria-label=扫描日期]", day)
    if size == "phone":
        expect(page.locator("[data-test=run-scan]")).to_be_disabled()
        expect(page.get_by_text("未来日期只能预演")).to_be_visible()
    before = letter_count(system)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/escalations/scan")) as asked:
        page.locator("[data-test=dry-run]").click()
    scan_id = asked.value.json()["id"]
    assert asked.value.request.post_data_json == {"as_of": day, "dry_run": True}
    state = page.locator("[data-test=scan-state]")
    expect(state).to_contain_text(f"预演 {day} 完成", timeout=90_000)
    report = system.admin.get(f"/escalations/scans/{scan_id}").json()["report"]
    expect(state).to_contain_text(
        f"将新增 {report['created']} 件、升级 {report['climbed']} 件、解除 {report['resolved']} 件"
    )
    rows = page.locator("[data-test=preview] .el-table__body tr")
    listed = len(report["would_create"]) + len(report["would_climb"]) + len(report["would_resolve"])
    expect(rows).to_have_count(listed)
    if report["would_create"]:
        expect(page.locator("[data-test=preview]")).to_contain_text(report["would_create"][0]["reason"][:12])
    screenshot(page, "letters-preview", size)
    assert letter_count(system) == before  # a rehearsal writes nothing

    if size == "phone":
        expect(page.locator("[data-test=run-previewed]")).to_have_count(0)
        expect(page.locator("[data-test=preview]")).to_contain_text("是未来日期")
    else:
        with page.expect_response(lambda r: r.url.endswith("/api/v1/escalations/scan")) as ran:
            page.locator("[data-test=run-previewed]").click()
        assert ran.value.request.post_data_json == {"as_of": day, "dry_run": False}
        expect(state).to_contain_text(f"扫描 {day} 完成", timeout=90_000)
        real = system.admin.get(f"/escalations/scans/{ran.value.json()['id']}").json()
        expect(state).to_contain_text(f"新增 {real['created']} 件")
        assert letter_count(system) == before + real["created"]
        expect(page.locator("[data-test=preview]")).to_have_count(0)
    assert not page.problems, page.problems


@pytest.mark.parametrize("size", SIZES)
def test_the_dashboard_draws_the_problems_as_they_stood_on_the_chosen_day(size, open_page, system, screenshot):
    # a problem entered as history, overdue two weeks ago and done now: overdue on the day chosen, not today
    late = problem_for_abgq(
        system, f"看板{size}", china_today() - timedelta(days=30), since=china_today() - timedelta(days=40)
    )
    assert system.admin.patch(f"/issues/{late}", json={"status": "completed"}).status_code == 200
    day = (china_today() - timedelta(days=14)).isoformat()
    then = system.admin.get("/stats/issue-states", params={"round_id": system.round_id, "as_of": day}).json()
    assert {i["issue_id"]: i["status"] for i in then["items"]}.get(late) == "in_progress"
    overdue = [
        i
        for i in then["items"]
        if i["status"] in ("not_started", "in_progress") and i["deadline"] and i["deadline"] < day
    ]
    stats = system.admin.get("/stats/issues", params={"round_id": system.round_id, "as_of": day}).json()

    page = open_page(size, "admin")
    page.goto("/console/")
    settle(page)
    pick_date(page, "#asof", day)
    expect(page.locator("[data-test=tiles-asof]")).to_contain_text(day)
    expect(page.locator("[data-test=stat-total]")).to_contain_text(str(stats["total"]))
    expect(page.locator("[data-test=overdue-list] h2")).to_contain_text(f"已逾期（{len(overdue)}）")
    expect(
        page.locator("[data-test=overdue-list]").get_by_text(f"控制台延期：阿巴嘎旗草原围栏修复（看板{size}）")
    ).to_be_visible()
    expect(page.locator(".timeline")).to_have_attribute("aria-label", re.compile(f"虚线为截至 {day}"))
    # 阿巴嘎旗's tile is red on that day
    tile = page.locator(f".tile[data-org='{system.org_id('阿巴嘎旗')}']")
    expect(tile).to_contain_text("有逾期")
    screenshot(page, "dashboard-asof", size)

    # back to today: the problem is done, so it leaves the overdue list
    pick_date(page, "#asof", china_today().isoformat())
    expect(page.locator("[data-test=tiles-asof]")).to_contain_text(china_today().isoformat())
    expect(page.locator("[data-test=overdue-list]").get_by_text(f"草原围栏修复（看板{size}）")).to_have_count(0)
    assert not page.problems, page.problems


@pytest.mark.parametrize("size", SIZES)
def test_the_reports_centre_lists_reports_from_the_api(size, open_page, system, screenshot):
    abgq = system.client("abgq")
    asked = abgq.post(
        "/reports",
        json={"kind": "ledger", "round_id": system.round_id, "format": "md", "as_of": f"2025-0{len(size)}-01"},
    )
    assert asked.status_code in (200, 202), asked.text
    mine = asked.json()["id"]
    page = open_page(size, "abgq")
    page.goto("/console/reports")
    settle(page)
    table = page.locator("[data-test=reports]")
    # the API's list, newest first: what abgq asked for from any browser
    listed = abgq.get("/reports", params={"mine": True, "limit": 20}).json()["items"]
    expect(table.locator(".el-table__body tr")).to_have_count(len(listed))
    expect(table.locator(".el-table__body tr").first).to_contain_text(str(listed[0]["id"]))
    expect(table).to_contain_text(str(mine))
    expect(table).to_contain_text("整改台账")
    screenshot(page, "reports", size)
    # everyone's reports the unit may read; the office's league-wide ones are not among them
    page.get_by_text("我可查看的全部").click()
    readable = {r["id"] for r in abgq.get("/reports", params={"limit": 20}).json()["items"]}
    expect(table.locator(".el-table__body tr")).to_have_count(len(readable))
    assert not page.problems, page.problems


@pytest.mark.parametrize("size", SIZES)
def test_a_unit_asks_for_an_extension_and_the_office_decides(size, open_page, system, screenshot):
    deadline = china_today() + timedelta(days=20)
    iid = problem_for_abgq(system, f"延期{size}", deadline)
    later = (deadline + timedelta(days=60)).isoformat()
    reason = f"冬季低温无法施工，需顺延至次年施工季（{size}）"
    unit = open_page(size, "abgq")
    if size == "phone":  # the phone's task page
        unit.goto(f"/console/m/tasks/{iid}")
        unit.locator("[data-test=ask-extension]").click()
        unit.get_by_label("延期至").fill(later)
        unit.get_by_label("延期理由").fill(reason)
        unit.locator("[data-test=submit-extension]").click()
        expect(unit.locator("[data-test=extension]")).to_contain_text("待审批")
    else:  # the desktop problem detail
        unit.goto(f"/console/issues/{iid}")
        unit.locator("[data-test=ask-extension]").click()
        pick_date(unit, ".el-dialog [aria-label=延期至]", later)
        unit.locator(".el-dialog textarea").fill(reason)
        unit.locator("[data-test=submit-extension]").click()
        expect(unit.locator("[data-test=extension]")).to_contain_text("待审批")
    expect(unit.locator("[data-test=ask-extension]")).to_have_count(0)  # one pending request at a time
    screenshot(unit, "extension-asked", size)
    (asked,) = system.admin.get(f"/issues/{iid}/extension-requests").json()
    assert (asked["state"], asked["proposed_deadline"], asked["reason"]) == ("pending", later, reason)
    assert not unit.problems, unit.problems

    # the office finds it in its in-tray on the dashboard and opens the problem
    office = open_page("desktop", "admin")
    office.goto("/console/")
    waiting = office.locator("[data-test=pending-extensions] li").filter(has_text=reason)
    expect(waiting).to_contain_text(f"{deadline.isoformat()} → {later}")
    waiting.get_by_role("link", name="审批").click()
    expect(office).to_have_url(re.compile(rf"/console/issues/{iid}$"))
    row = office.locator("[data-test=extension]")
    expect(row).to_contain_text(reason)
    if size == "phone":  # refused, with a reason
        row.locator("[data-test=reject-extension]").click()
        box = office.locator(".el-message-box")
        box.locator("textarea").fill("工期安排可在冬季前完成，不同意延期")
        box.get_by_role("button", name="不同意").click()
        expect(row).to_contain_text("未批准")
        got = system.admin.get(f"/issues/{iid}").json()
        assert got["deadline"] == deadline.isoformat()
    else:  # approved: the date becomes the deadline, the original is kept
        row.locator("[data-test=approve-extension]").click()
        office.locator(".el-message-box").get_by_role("button", name="批准").click()
        expect(row).to_contain_text("已批准")
        expect(office.locator("[data-test=extensions]")).to_contain_text(f"原定 {deadline.isoformat()}，现为 {later}")
        got = system.admin.get(f"/issues/{iid}").json()
        assert (got["deadline"], got["original_deadline"]) == (later, deadline.isoformat())
    expect(row.locator("[data-test=approve-extension]")).to_have_count(0)
    screenshot(office, "extension-decided", size)
    office.goto("/console/")
    settle(office)
    expect(office.locator("[data-test=pending-extensions] li").filter(has_text=reason)).to_have_count(0)
    assert not office.problems, office.problems


@pytest.mark.parametrize("size", SIZES)
def test_a_leader_reads_everything_in_scope_and_has_no_button_that_writes(size, open_page, system, leader, screenshot):
    # something the office would act on: a pending extension and a proposed letter on a problem
    iid = problem_for_abgq(system, f"领导{size}", china_today() + timedelta(days=20))
    unit = system.client("abgq")
    r = unit.post(
        f"/issues/{iid}/extension-requests",
        json={"reason": "领导视图测试", "proposed_deadline": (china_today() + timedelta(days=50)).isoformat()},
    )
    assert r.status_code == 201, r.text
    page = open_page(size, leader, LEADER_PASSWORD)
    page.goto("/console/")
    settle(page)
    expect(page.locator("[data-test=whoami]")).to_contain_text("领导（只读）")
    expect(page.locator("[data-test=whoami]")).to_contain_text("锡林郭勒盟")
    stats = (
        system.client(leader, LEADER_PASSWORD)
        .get("/stats/issues", params={"round_id": system.round_id, "as_of": china_today().isoformat()})
        .json()
    )
    expect(page.locator("[data-test=stat-total]")).to_contain_text(str(stats["total"]))
    screenshot(page, "leader-dashboard", size)

    page.goto(f"/console/issues/{iid}")
    expect(page.get_by_role("heading", name=re.compile("第\\d+项"))).to_be_visible()
    expect(page.locator("[data-test=extension]")).to_contain_text("待审批")
    for absent in ("[data-test=approve-extension]", "[data-test=reject-extension]", "[data-test=ask-extension]"):
        expect(page.locator(absent)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^改为"))).to_have_count(0)
    expect(page.get_by_text("操作记录（仅整改办可见")).to_have_count(0)
    page.locator("[data-test=extensions]").scroll_into_view_if_needed()
    screenshot(page, "leader-issue", size)

    page.goto("/console/letters")
    settle(page)
    expect(page.locator("[data-test=letters]")).to_be_visible()
    for name in ("预演", "运行扫描", "签发", "撤回", "回复"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)

    closures = system.admin.get("/closures").json()["items"]
    if closures:
        page.goto(f"/console/closures/{closures[0]['id']}")
        expect(page.get_by_text("当前环节无需您办理。")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("审核通过|验收通过|开始公示|^销号$|退回"))).to_have_count(0)
    assert not page.problems, page.problems
    # and the API agrees: a leader's write is refused
    refused = httpx.post(
        f"{system.base}/api/v1/extension-requests/{r.json()['id']}/approve",
        json={},
        headers={"Authorization": f"Bearer {system.tokens(leader, LEADER_PASSWORD)['access_token']}"},
    )
    assert refused.status_code == 403, refused.text
