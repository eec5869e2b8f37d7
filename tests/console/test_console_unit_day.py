"""A unit's day on a phone (`abgq`, 阿巴嘎旗): report progress with a photo, move its measure,
answer a letter, apply for 销号; then the office takes the application through 公示 to 销号.
Each at phone (iPhone 13) and desktop (1440×900) size."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from rectify_shared.clock import today as china_today

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.e2e


def camera_photo(path: Path) -> Path:
    """A photo as a phone camera makes it: 4000×3000 and several megabytes."""
    img = Image.effect_noise((4000, 3000), 60).convert("RGB")
    img.save(path, "JPEG", quality=95)
    return path


def task_for_abgq(system: Any, size: str) -> dict[str, Any]:
    """A problem led by 阿巴嘎旗 with one measure of its own and a letter addressed to it."""
    abgq = system.org_id("阿巴嘎旗")
    deadline = (china_today() + timedelta(days=90)).isoformat()
    issue = system.admin.post(
        "/issues",
        json={
            "round_id": system.round_id,
            "category": "其他需要关注的问题方面",
            "description": f"控制台验收：阿巴嘎旗某嘎查草原违法开垦整改（{size}）",
            "lead_org_id": abgq,
            "responsible_org_ids": [abgq],
            "deadline": deadline,
        },
    )
    assert issue.status_code == 201, issue.text
    iid = issue.json()["id"]
    measure = system.admin.post(
        f"/issues/{iid}/measures",
        json={"text": "完成违法开垦地块退耕还草并补播", "responsible_org_id": abgq, "deadline": deadline},
    )
    assert measure.status_code == 201, measure.text
    started = system.admin.patch(f"/issues/{iid}", json={"status": "in_progress", "reason": "控制台验收准备"})
    assert started.status_code == 200, started.text
    letter = system.admin.post(
        "/escalations",
        json={
            "level": "warning",
            "issue_id": iid,
            "addressed_org_id": abgq,
            "reason": f"整改进度滞后（{size}）",
            "doc_no": f"锡督改办〔2026〕{len(size)}号",
        },
    )
    assert letter.status_code == 201, letter.text
    return {"issue": iid, "measure": measure.json()["id"], "letter": letter.json()["id"], "org": abgq}


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_unit_reports_from_its_phone_and_the_office_closes_the_task(size, open_page, system, screenshot, tmp_path):
    task = task_for_abgq(system, size)
    page = open_page(size)
    page.goto("/console/m/")
    expect(page).to_have_url(re.compile(r"/console/m/login"))
    page.get_by_label("用户名").fill("abgq")
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("[data-test=whoami]")).to_contain_text("阿巴嘎旗")
    expect(page.locator("[data-test=letter]").filter(has_text=f"整改进度滞后（{size}）")).to_be_visible()
    screenshot(page, "phone-todo", size)

    # the task, and its measure moved to 正在推进: the page shows what the API now holds
    page.locator("[data-test=task]").filter(has_text=f"草原违法开垦整改（{size}）").click()
    measure = page.locator("[data-test=measure]")
    expect(measure).to_contain_text("未启动")
    measure.get_by_role("button", name="改为正在推进").click()
    page.get_by_role("button", name="确认").click()
    toast = page.locator(".van-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("措施状态已更新")
    expect(measure).to_contain_text("正在推进")
    assert system.admin.get(f"/measures/{task['measure']}").json()["status"] == "in_progress"

    # progress with a camera photo: compressed before upload, linked to the report
    page.get_by_role("button", name=re.compile("填报整改进展")).click()
    text = f"已完成退耕还草地块清理，补播面积120亩（{size}）"
    page.locator("[data-test=progress-text]").fill(text)
    photo = camera_photo(tmp_path / "site.jpg")
    page.locator("[data-test=photo-input]").set_input_files(str(photo))
    page.locator("[data-test=progress-text]").blur()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "phone-report", size)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/attachments") and r.request.method == "POST") as up:
        page.locator("[data-test=submit-progress]").click()
    uploaded = up.value
    assert uploaded.status == 201
    assert uploaded.request.header_value("idempotency-key")
    attachment = uploaded.json()
    assert attachment["size"] < photo.stat().st_size / 4, (attachment["size"], photo.stat().st_size)
    expect(page).to_have_url(re.compile(rf"/console/m/tasks/{task['issue']}$"))
    reports = system.admin.get(f"/issues/{task['issue']}/progress").json()["items"]
    assert [r["text"] for r in reports] == [text]
    linked = system.admin.get(f"/attachments/{attachment['id']}").json()["links"]
    assert [(link["target_kind"], link["target_id"]) for link in linked] == [("progress_report", reports[0]["id"])]
    expect(page.get_by_text(text)).to_be_visible()

    # the letter answered
    page.goto("/console/m/")
    page.locator("[data-test=letter]").filter(has_text=f"整改进度滞后（{size}）").click()
    page.locator("[data-test=letter-response]").fill("已于本周完成补播，下周组织复核")
    page.locator("[data-test=submit-letter]").click()
    expect(page).to_have_url(re.compile(r"/console/m/$"))
    letter = system.admin.get(f"/escalations/{task['letter']}").json()
    assert letter["state"] == "responded" and letter["response"] == "已于本周完成补播，下周组织复核"

    # the measure declared done (销号 needs every measure completed), then 销号 applied for, with evidence
    page.goto(f"/console/m/tasks/{task['issue']}")
    measure = page.locator("[data-test=measure]")
    measure.get_by_role("button", name="改为已完成").click()
    page.get_by_role("button", name="确认").click()
    expect(measure.get_by_role("button", name="改为已完成")).to_have_count(0)  # done: no further step offered
    expect(measure).to_contain_text("已完成")
    assert system.admin.get(f"/measures/{task['measure']}").json()["status"] == "completed"
    page.get_by_role("button", name="申请销号").click()
    page.locator("[data-test=closure-statement]").fill("退耕还草已完成，经旗自然资源局现场核查")
    page.locator("[data-test=photo-input]").set_input_files(str(photo))
    page.locator("[data-test=submit-closure]").click()
    expect(page).to_have_url(re.compile(rf"/console/m/tasks/{task['issue']}$"))
    expect(page.get_by_text("销号申请：")).to_be_visible()
    closures = [c for c in system.admin.get("/closures").json()["items"] if c["issue_id"] == task["issue"]]
    assert len(closures) == 1 and closures[0]["state"] == "applied"
    closure_id = closures[0]["id"]
    assert len(system.admin.get(f"/closures/{closure_id}").json()["attachment_ids"]) == 1
    assert not page.problems, page.problems

    # the office: review, accept every level, 公示 (its end shown before confirming), 销号
    office = open_page(size, "admin")
    office.goto(f"/console/closures/{closure_id}")
    actions = office.locator("[data-test=closure-actions]")
    actions.get_by_role("button", name="审核通过").click()
    expect(office.locator("h1")).to_contain_text("验收中")
    levels = office.locator(".lvl")
    while system.admin.get(f"/closures/{closure_id}").json()["state"] == "accepting":
        before = system.admin.get(f"/closures/{closure_id}").json()["accepted_levels"]
        actions.get_by_role("button", name=re.compile(rf"第{before + 1}级验收通过")).click()
        expect(levels.nth(before)).to_contain_text("✓")
    expect(office.locator("h1")).to_contain_text("验收通过")
    start = (china_today() - timedelta(days=60)).isoformat()
    start_input = actions.locator(".pub input").first
    start_input.fill(start)
    start_input.press("Enter")
    actions.get_by_placeholder("如 锡林郭勒盟行政公署网站").fill("锡林郭勒盟行政公署网站")
    actions.get_by_placeholder("如 盟督察整改办 0479-8888888").fill("盟督察整改办 0479-8888888")
    days = system.admin.get(f"/rounds/{system.round_id}/closure-policy").json()["publicity_days"]
    end = system.admin.get("/calendar/workdays", params={"start": start, "count": days}).json()["end"]
    expect(office.locator("[data-test=publicity-end]")).to_contain_text(end)
    screenshot(office, "closure-publicity", size)
    actions.get_by_role("button", name="开始公示").click()
    expect(office.locator("h1")).to_contain_text("公示中")
    actions.get_by_role("button", name="销号").click()
    expect(office.locator("h1")).to_contain_text("已销号")
    closure = system.admin.get(f"/closures/{closure_id}").json()
    assert closure["state"] == "written_off" and closure["publicity"]["end"] == end
    assert system.admin.get(f"/issues/{task['issue']}").json()["status"] == "closed"
    assert not office.problems, office.problems
