"""Issue 20, views a screen needs: a photo filed with its progress report in one call, the
progress list and one report with their evidence, the measure list with working days overdue, the
caller's to-do, and download links a webview can open without a header.

A county unit (`abgq`, 阿巴嘎旗) answers for measures of problems the office (`client`) creates here.
"""

from typing import Any

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def org_ids(client: Any) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def new_issue(client: Any, round_id: int, lead: int, **extra: Any) -> dict[str, Any]:
    body = {"round_id": round_id, "category": "屏幕视图", "description": "测试问题", "lead_org_id": lead, **extra}
    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def new_measure(client: Any, issue_id: int, org: int | None, **extra: Any) -> int:
    body = {"text": "措施", "responsible_org_id": org, **extra}
    r = await client.post(f"/api/v1/issues/{issue_id}/measures", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def upload(c: Any, data: bytes = PNG, name: str = "现场照片.png") -> int:
    r = await c.post("/api/v1/attachments", files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_a_photo_goes_with_its_progress_report_in_one_call(client, signin, demo_round):
    ids = await org_ids(client)
    abgq, xlhts = await signin("abgq"), await signin("xlhts")
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    measure = await new_measure(client, issue["id"], ids["阿巴嘎旗"])
    photo, scan = await upload(abgq), await upload(abgq, PDF, "验收.pdf")

    r = await abgq.post(
        f"/api/v1/measures/{measure}/progress", json={"text": "已完成清理", "attachment_ids": [photo, scan, photo]}
    )
    assert r.status_code == 201, r.text
    report = r.json()
    assert isinstance(report["id"], str) and r.headers["location"] == f"/api/v1/progress/{report['id']}"
    assert [a["id"] for a in report["attachments"]] == [photo, scan]
    assert report["attachments"][0]["media_type"] == "image/png"

    # the list embeds the evidence; the report reads on its own (id exact, as a string)
    listed = (await abgq.get(f"/api/v1/issues/{issue['id']}/progress")).json()["items"]
    assert [a["filename"] for a in listed[0]["attachments"]] == ["现场照片.png", "验收.pdf"]
    one = await abgq.get(f"/api/v1/progress/{report['id']}")
    assert one.status_code == 200 and one.json() == report
    # the attachment knows what it proves
    links = (await abgq.get(f"/api/v1/attachments/{photo}")).json()["links"]
    assert [(lk["target_kind"], lk["target_id"]) for lk in links] == [("progress_report", report["id"])]

    # another county neither reads the report nor guesses one
    assert (await xlhts.get(f"/api/v1/progress/{report['id']}")).status_code == 404
    assert (await abgq.get("/api/v1/progress/9223372036854775808")).status_code == 404
    assert (await abgq.get("/api/v1/progress/12ab")).status_code == 422


async def test_a_foreign_attachment_refuses_the_whole_report(client, signin, demo_round):
    ids = await org_ids(client)
    abgq, xlhts = await signin("abgq"), await signin("xlhts")
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    measure = await new_measure(client, issue["id"], ids["阿巴嘎旗"])
    mine, theirs = await upload(abgq), await upload(xlhts, PDF, "别人的.pdf")

    r = await abgq.post(f"/api/v1/measures/{measure}/progress", json={"text": "进展", "attachment_ids": [mine, theirs]})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["details"][0]["field"] == "body.attachment_ids" and "佐证材料" in err["message"] + str(err["details"])
    # nothing half-written: no report, no link, the measure did not start
    assert (await abgq.get(f"/api/v1/issues/{issue['id']}/progress")).json()["items"] == []
    assert (await abgq.get(f"/api/v1/attachments/{mine}")).json()["links"] == []
    assert (await abgq.get(f"/api/v1/measures/{measure}")).json()["status"] == "not_started"
