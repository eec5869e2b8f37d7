"""The office's wording and records in the browser: a document template downloaded, edited and
uploaded (its preview shows the new heading; a broken one is refused with its line; back to the
default), a message template's placeholders and preview, the round's narrative with its indicator
placeholders filled in, the audit chain verified on the server (and found broken at the record
an attacker edited), a first-password change on the phone's sign-in page, and the new desktop
pages at phone width without sideways scrolling."""

import re
import sqlite3
from typing import Any

import pytest

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.e2e
LAPTOP = {"width": 1366, "height": 768}


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator(".el-loading-mask:visible, .van-loading")).to_have_count(0)


def serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    return [
        f"{v['id']} ({v['impact']}) {[(n['target'], n.get('failureSummary', '')[-200:]) for n in v['nodes'][:3]]}"
        for v in found
    ]


def test_an_edited_document_template_changes_the_preview(open_page, system, screenshot):
    page = open_page("desktop", "admin")
    page.set_viewport_size(LAPTOP)
    page.goto("/console/admin?tab=documents")
    # found by its code: its label 信访件办理情况 also begins 信访件办理情况一览表 (petition_table)
    row = page.locator("[data-test=doc-templates] .el-table__body tr").filter(has_text="petition_notice")
    expect(row.locator("[data-test=scope-petition_notice]")).to_have_text("系统默认模板")

    # the template in force, downloaded as a person would
    with page.expect_download() as got:
        row.get_by_role("button", name="下载文本").click()
    text = open(got.value.path(), encoding="utf-8").read()
    title = next(line for line in text.splitlines() if line.startswith("# "))
    edited = text.replace(title, "# 控制台测试修改的标题", 1)

    # a template that cannot render is refused, its line named, nothing stored
    page.locator("[data-test=upload-petition_notice]").set_input_files(
        {"name": "broken.j2", "mimeType": "text/plain", "buffer": (edited + "\n{% if %}\n").encode("utf-8")}
    )
    error = page.locator("[data-test=upload-error]")
    expect(error).to_contain_text("未上传")
    expect(error).to_contain_text(re.compile(r"第\s*\d+\s*行"))
    expect(row.locator("[data-test=scope-petition_notice]")).to_have_text("系统默认模板")
    assert serious(page) == []  # the error alert's text is dark enough (base.css)
    screenshot(page, "doc-template-refused", "desktop")

    page.locator("[data-test=upload-petition_notice]").set_input_files(
        {"name": "信访件办理情况.j2", "mimeType": "text/plain", "buffer": edited.encode("utf-8")}
    )
    preview = page.locator("[data-test=doc-preview]")
    expect(preview.locator("h2")).to_have_text("控制台测试修改的标题")
    expect(error).to_have_count(0)
    expect(row.locator("[data-test=scope-petition_notice]")).to_have_text("本轮模板 第1版")
    screenshot(page, "doc-template-uploaded", "desktop")

    # the preview of the template in force (the server's render) has the new heading too
    page.get_by_role("tab", name="消息模板").click()
    page.get_by_role("tab", name="文书模板").click()
    row.locator("[data-test=preview-petition_notice]").click()
    expect(preview.locator("h2")).to_have_text("控制台测试修改的标题")
    # and the API serves it to whoever makes the documents
    served = system.admin.get("/document-templates/petition_notice", params={"round_id": system.round_id})
    assert "控制台测试修改的标题" in served.text

    # a Word starter of a docx-capable kind downloads as a .docx
    closure = page.locator("[data-test=doc-templates] .el-table__body tr").filter(has_text="销号公示")
    with page.expect_download() as word:
        closure.get_by_role("button", name="下载 Word").click()
    assert word.value.suggested_filename.endswith(".docx")
    assert open(word.value.path(), "rb").read(2) == b"PK"

    # back to the shipped default, after a confirmation that says what follows
    row.get_by_role("button", name="恢复默认").click()
    box = page.locator(".el-message-box:visible")
    expect(box).to_contain_text("恢复为系统默认模板")
    box.get_by_role("button", name="恢复默认").click()
    expect(preview.locator("h2")).not_to_have_text("控制台测试修改的标题")
    expect(preview.locator("h2")).to_have_text(re.compile(r"\S"))
    expect(row.locator("[data-test=scope-petition_notice]")).to_have_text("本轮模板 第2版")
    assert not [p for p in page.problems if "422" not in p], page.problems  # only the refused upload


def test_message_templates_show_placeholders_and_preview(open_page, system, screenshot):
    page = open_page("desktop", "admin")
    page.set_viewport_size(LAPTOP)
    page.goto("/console/admin?tab=messages")
    table = page.locator("[data-test=message-templates]")
    table.locator(".el-table__body tr").filter(has_text="整改状态变更").filter(has_text="短信").click()
    editor = page.locator("[data-test=message-editor]")
    expect(editor.locator("h3")).to_contain_text("整改状态变更 · 短信")
    expect(page.locator("[data-test=placeholders]")).to_contain_text("to_text")
    expect(page.locator("[data-test=message-preview]")).to_contain_text("已完成")  # the sample value of to_text

    body = editor.locator("textarea")
    body.fill("{{ recipient_name }}：控制台测试，{{ task_short }}现为“{{ to_text }}”。")
    editor.get_by_role("button", name="预览").click()
    expect(page.locator("[data-test=message-preview]")).to_have_text(
        "阿巴嘎旗人民政府：控制台测试，第10项问题现为“已完成”。"
    )
    body.fill("{{ to_text ")
    editor.get_by_role("button", name="预览").click()
    expect(page.locator("[data-test=message-preview-error]")).to_contain_text("模板语法错误")
    body.fill("{{ recipient_name }}：控制台测试，{{ task_short }}现为“{{ to_text }}”。")
    editor.get_by_role("button", name="保存").click()
    saved = table.locator(".el-table__body tr").filter(has_text="整改状态变更").filter(has_text="短信")
    expect(saved).to_contain_text("本单位设置")
    screenshot(page, "message-templates", "desktop")
    listed = system.admin.get("/templates").json()
    mine = next(t for t in listed if t["event_type"] == "issue.status_changed" and t["channel"] == "sms")
    assert mine["source"] == "own" and "控制台测试" in mine["body"]
    expect(page.locator(".el-message")).to_contain_text("消息模板已保存")
    expect(editor.locator(".el-button.is-loading")).to_have_count(0)
    assert serious(page) == []  # the toast's text too (base.css)


def test_the_narrative_shows_its_placeholders_filled_in(open_page, system, screenshot):
    indicators = system.admin.get("/indicators", params={"round_id": system.round_id}).json()["items"]
    with_words = [i for i in indicators if i.get("phrase")]
    assert with_words, "the demo round has indicators with values"
    name = with_words[0]["name"]
    put = system.admin.put(
        f"/rounds/{system.round_id}/narrative",
        json={
            "sections": [
                {
                    "heading": "一、控制台测试综述",
                    "paragraphs": [f"截至目前，{{{{指标:{name}}}}}。", "另有{{指标:没有这个指标}}。"],
                }
            ]
        },
    )
    assert put.status_code == 200, put.text
    page = open_page("desktop", "admin")
    page.set_viewport_size(LAPTOP)
    page.goto("/console/admin?tab=narrative")
    doc = page.locator("[data-test=narrative]")
    expect(doc.locator("h3")).to_have_text("一、控制台测试综述")
    filled = doc.locator("mark").first
    expect(filled).to_have_text(with_words[0]["phrase"])
    expect(filled).to_have_attribute("title", f"{{{{指标:{name}}}}}")
    expect(doc.locator("mark.missing")).to_contain_text("不存在")
    expect(doc).not_to_contain_text("{{")
    expect(page.locator("[data-test=narrative-placeholders]")).to_contain_text(with_words[0]["phrase"])
    screenshot(page, "narrative", "desktop")
    page.get_by_text("显示原文（占位符）").click()
    expect(doc).to_contain_text(f"{{{{指标:{name}}}}}")
    assert serious(page) == []
    assert not page.problems, page.problems


def test_the_audit_tab_verifies_the_chain_on_the_server(open_page, system, screenshot):
    page = open_page("desktop", "admin")
    page.set_viewport_size(LAPTOP)
    page.goto("/console/admin?tab=audit")
    status = page.locator("[data-test=verify-status]")
    expect(status).to_contain_text("哈希链完整")
    checked = int(re.search(r"(\d+) 条记录", status.inner_text()).group(1))
    assert checked > 0
    screenshot(page, "audit-verified", "desktop")

    # someone with the database file edits a record behind the API's back (the trigger dropped)
    db = sqlite3.connect(system.data_dir / "var" / "rectify.db")
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_record_append_only_update'").fetchone()[0]
    victim = db.execute("SELECT id, seq, chain, action FROM audit_record WHERE chain LIKE 'org:%' ORDER BY id LIMIT 1")
    rec_id, seq, chain, action = victim.fetchone()
    db.execute("DROP TRIGGER audit_record_append_only_update")
    db.execute("UPDATE audit_record SET action = 'tampered' WHERE id = ?", (rec_id,))
    db.commit()
    try:
        page.locator("[data-test=verify]").click()
        expect(status).to_contain_text("哈希链断裂")
        broken = page.locator("[data-test=verify-broken]")
        expect(broken).to_contain_text(f"链 {chain} 第 {seq} 条")
        expect(broken).to_contain_text(str(rec_id))
        expect(broken).to_contain_text("hash mismatch")
        screenshot(page, "audit-broken", "desktop")
    finally:
        db.execute("UPDATE audit_record SET action = ? WHERE id = ?", (action, rec_id))
        db.execute(trigger)
        db.commit()
        db.close()
    page.locator("[data-test=verify]").click()
    expect(status).to_contain_text("哈希链完整")
    # office admins only: a unit's operator is refused
    unit = system.client("abgq")
    assert unit.get("/audit/verify").status_code == 403


def test_a_first_password_is_changed_on_the_phone(open_page, system, screenshot):
    made = system.admin.post(
        "/users",
        json={
            "username": "phone_first",
            "password": "Initial-pw-2026",
            "org_id": system.org_id("阿巴嘎旗"),
            "role": "unit_operator",
            "display_name": "手机首登",
        },
    )
    assert made.status_code == 201, made.text
    page = open_page("phone")
    page.goto("/console/m/login")
    page.get_by_label("用户名").fill("phone_first")
    page.get_by_label("密码", exact=True).fill("Initial-pw-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("[data-test=must-change]")).to_be_visible()
    page.get_by_label("新密码", exact=True).fill("Phone-First-2026x")
    page.get_by_label("确认新密码").fill("Phone-First-2026y")
    page.get_by_role("button", name="修改密码并登录").click()
    expect(page.locator("p[role=alert]")).to_have_text("两次输入的新密码不一致")
    screenshot(page, "phone-first-password", "phone")
    page.get_by_label("确认新密码").fill("Phone-First-2026x")
    page.get_by_role("button", name="修改密码并登录").click()
    expect(page.locator(".van-nav-bar")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))
    screenshot(page, "phone-after-first-password", "phone")
    # the new password is the one that works now
    assert system.client("phone_first", "Phone-First-2026x").get("/me").status_code == 200


#: what sticks out of the screen's right edge, except inside a box made to scroll sideways (the
#: menu, a wide table, the tabs' bar with its arrows): that is cut off, or widens the page
OUTSIDE = """() => {
  const w = window.innerWidth, out = []
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX
      if ((o === 'auto' || o === 'scroll') && p.scrollWidth > p.clientWidth) return true
    }
    return false
  }
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect()
    if (el.closest('.el-table, .el-tabs__nav-scroll')) continue
    if (r.width && r.height && r.right > w + 1 && !scrolls(el) && getComputedStyle(el).visibility !== 'hidden')
      out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(r.right)}`)
  }
  return [document.documentElement.scrollWidth, w, out.slice(0, 8)]
}"""


@pytest.mark.parametrize(
    "path",
    ["/petitions", "/indicators", "/imports", "/admin?tab=documents", "/admin?tab=messages", "/admin?tab=audit"],
)
def test_the_new_desktop_pages_do_not_scroll_sideways_on_a_phone(path, open_page, system, screenshot):
    page = open_page("phone", "admin")
    page.goto("/console" + path)
    settle(page)
    expect(page.locator("[data-test=whoami]")).to_be_attached()
    width, screen, outside = page.evaluate(OUTSIDE)
    screenshot(page, "phone" + re.sub(r"\W+", "-", path), "phone")
    assert width <= screen, f"{path}: {width}px wide on a {screen}px screen"
    assert not outside, f"{path}: cut off at the right edge: {outside}"
