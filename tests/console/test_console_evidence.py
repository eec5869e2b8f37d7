"""Evidence in the progress timeline: a unit reports from its phone with a photo (one request:
the report and the photo's id together) and sees the thumbnail; the office sees the same photo on
the problem detail and previews it. Thumbnails and downloads open through signed links, without
the bearer token."""

import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from rectify_shared.clock import today as china_today

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.e2e


def site_photo(path: Path) -> Path:
    """A camera-sized photo of a re-greened site (the phone compresses it before upload)."""
    size = (2400, 1800)
    ground = Image.new("RGB", size, (86, 140, 62))
    ground.paste((150, 118, 80), (0, 1100, 2400, 1800))  # the backfilled pit below the grass
    Image.blend(ground, Image.effect_noise(size, 60).convert("RGB"), 0.25).save(path, "JPEG", quality=90)
    return path


def task_for_abgq(system: Any, label: str) -> dict[str, int]:
    abgq = system.org_id("阿巴嘎旗")
    deadline = (china_today() + timedelta(days=60)).isoformat()
    issue = system.admin.post(
        "/issues",
        json={
            "round_id": system.round_id,
            "category": "其他需要关注的问题方面",
            "description": f"佐证材料验收：阿巴嘎旗矿山生态修复（{label}）",
            "lead_org_id": abgq,
            "responsible_org_ids": [abgq],
            "deadline": deadline,
        },
    )
    assert issue.status_code == 201, issue.text
    measure = system.admin.post(
        f"/issues/{issue.json()['id']}/measures",
        json={"text": "完成矿坑回填与复绿", "responsible_org_id": abgq, "deadline": deadline},
    )
    assert measure.status_code == 201, measure.text
    return {"issue": issue.json()["id"], "measure": measure.json()["id"]}


def wait_loaded(page: Any, img: Any) -> None:
    """The image shows (decoded, not a broken icon)."""
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle())


def settled(page: Any) -> None:
    """No transition still running (a viewer fading in), so the screenshot shows what a person sees."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def test_a_unit_reports_with_a_photo_and_sees_it_in_the_timeline(open_page, system, screenshot, tmp_path):
    task = task_for_abgq(system, "phone")
    page = open_page("phone", "abgq")
    page.goto(f"/console/m/tasks/{task['issue']}/report")
    text = "矿坑回填完成80%，复绿区域已播撒草籽（phone）"
    page.locator("[data-test=progress-text]").fill(text)
    page.locator("[data-test=photo-input]").set_input_files(str(site_photo(tmp_path / "矿坑复绿.jpg")))
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    with page.expect_request(lambda r: r.url.endswith(f"/measures/{task['measure']}/progress")) as sent:
        page.locator("[data-test=submit-progress]").click()
    body = json.loads(sent.value.post_data or "{}")
    expect(page).to_have_url(re.compile(rf"/console/m/tasks/{task['issue']}$"))

    # one request carried the report and its photo; nothing was linked afterwards
    assert len([u for u in posts if u.endswith("/api/v1/attachments")]) == 1, posts
    assert body["text"] == text and len(body["attachment_ids"]) == 1
    assert not [u for u in posts if u.endswith("/links")], posts
    [report] = system.admin.get(f"/issues/{task['issue']}/progress").json()["items"]
    assert [a["id"] for a in report["attachments"]] == body["attachment_ids"]

    # the timeline shows the photo, loaded through a signed link; a tap previews it full screen
    entry = page.locator(".van-step").filter(has_text=text)
    thumb = entry.locator("[data-test=progress-evidence] img")
    expect(thumb).to_be_visible()
    expect(thumb).to_have_attribute("src", re.compile(r"^/api/v1/attachments/\d+/signed\?token="))
    wait_loaded(page, thumb)
    expect(page.locator(".van-toast")).to_be_hidden()
    entry.scroll_into_view_if_needed()
    screenshot(page, "evidence-timeline", "phone")
    entry.get_by_role("button", name=re.compile("查看大图")).click()
    big = page.locator(".van-image-preview img")
    expect(big.first).to_be_visible()
    wait_loaded(page, big.first)
    settled(page)
    screenshot(page, "evidence-preview", "phone")
    assert not page.problems, page.problems


def test_the_office_sees_the_reports_photo_and_file_on_the_problem_detail(open_page, system, screenshot, tmp_path):
    task = task_for_abgq(system, "desktop")
    unit = system.client("abgq")
    photo = site_photo(tmp_path / "site.jpg").read_bytes()
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    ids = []
    for name, data in (("矿坑复绿.jpg", photo), ("复绿验收记录.pdf", pdf)):
        up = unit.post("/attachments", files={"file": (name, data)})
        assert up.status_code == 201, up.text
        ids.append(up.json()["id"])
    text = "矿坑回填完成80%，复绿区域已播撒草籽（desktop）"
    made = unit.post(f"/measures/{task['measure']}/progress", json={"text": text, "attachment_ids": ids})
    assert made.status_code == 201, made.text

    page = open_page("desktop", "admin")
    page.goto(f"/console/issues/{task['issue']}")
    entry = page.locator(".el-timeline-item").filter(has_text=text)
    thumb = entry.locator("[data-test=progress-evidence] img")
    expect(thumb).to_be_visible()
    wait_loaded(page, thumb)
    # the thumbnail is the unit's photo, served by its signed link to a request with no token
    served = page.context.request.get(thumb.get_attribute("src"))
    assert served.ok and hashlib.sha256(served.body()).hexdigest() == hashlib.sha256(photo).hexdigest()

    # the other file is a chip that downloads under its name
    chip = entry.locator("a.file")
    expect(chip).to_contain_text("PDF")
    expect(chip).to_contain_text("复绿验收记录.pdf")
    with page.expect_download() as got:
        chip.click()
    assert got.value.suggested_filename == "复绿验收记录.pdf"
    assert Path(got.value.path()).read_bytes() == pdf
    screenshot(page, "evidence-timeline", "desktop")

    entry.get_by_role("button", name=re.compile("查看大图")).click()
    viewer = page.locator(".el-image-viewer__wrapper")
    expect(viewer).to_be_visible()
    wait_loaded(page, viewer.locator("img").first)
    settled(page)
    screenshot(page, "evidence-preview", "desktop")
    assert not page.problems, page.problems
