"""Security review findings 16 and 17: attachment metadata and names.

16: the same file filed by two counties must not tell one county the other's task ids (neither in
`same_file_issue_ids` nor in `links`); the office over both still sees both.
17: a name as sent (`../..`, an RTL override, `.html` on a PDF, control characters) is cleaned on
upload; the download's extension and Content-Type follow the sniffed type, as an attachment with an
RFC 5987 `filename*`, also for a name stored before names were cleaned.
"""

from urllib.parse import unquote

from sqlalchemy import update

from rectify_shared.models import Attachment

from .test_attachments import PDF, _task, _upload


async def _filed(unit, client, round_id: int, lead: str, name: str) -> tuple[int, dict]:
    task = await _task(client, round_id, lead)
    await client.patch(f"/api/v1/issues/{task}", json={"status": "in_progress"})
    report = (await unit.post(f"/api/v1/issues/{task}/progress", json={"text": "已完成"})).json()["id"]
    att = (await _upload(unit, PDF, name)).json()
    r = await unit.post(
        f"/api/v1/attachments/{att['id']}/links", json={"target_kind": "progress_report", "target_id": report}
    )
    assert r.status_code == 201, r.text
    return task, r.json()


async def test_finding_16_attachment_metadata_hides_out_of_scope_issue_ids(client, signin, demo_round):
    abgq, xlhts = await signin("abgq"), await signin("xlhts")
    mine, _ = await _filed(abgq, client, demo_round, "阿巴嘎旗", "a.pdf")
    theirs, att = await _filed(xlhts, client, demo_round, "锡林浩特市", "b.pdf")  # the same bytes
    seen = (await xlhts.get(f"/api/v1/attachments/{att['id']}")).json()
    assert seen["same_file_issue_ids"] == [theirs]
    assert [lk["issue_id"] for lk in seen["links"]] == [theirs]
    assert str(mine) not in str(seen["same_file_issue_ids"]) and seen["flagged"] is True
    office = (await client.get(f"/api/v1/attachments/{att['id']}")).json()
    assert office["same_file_issue_ids"] == sorted([mine, theirs])


async def test_finding_17_attachment_names_sanitised_and_typed(client, signin, demo_round, app):
    unit = await signin("abgq")
    cases = {
        "../../etc/passwd": "passwd.pdf",
        "报告\u202egpj.exe": "报告gpj.exe.pdf",
        "invoice.html": "invoice.html.pdf",
        "C:\\材料\\验收报告.PDF": "验收报告.pdf",
        "..": "attachment.pdf",
    }
    for sent, stored in cases.items():
        r = await _upload(unit, PDF, sent)
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == stored, sent
        download = await unit.get(f"/api/v1/attachments/{r.json()['id']}/content")
        assert download.headers["content-type"] == "application/pdf"
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment; ") and "filename*=UTF-8''" in disposition
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == stored
        assert download.headers["x-content-type-options"] == "nosniff"
    # a name stored before the check still downloads as a .pdf with no path or override in it
    r = await _upload(unit, PDF, "legacy.pdf")
    async with app.state.rectify.write_sessions() as s:
        await s.execute(update(Attachment).where(Attachment.id == r.json()["id"]).values(filename="../x\u202efdp.html"))
        await s.commit()
    disposition = (await unit.get(f"/api/v1/attachments/{r.json()['id']}/content")).headers["content-disposition"]
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name == "xfdp.html.pdf" and "/" not in disposition.split(";")[1]
