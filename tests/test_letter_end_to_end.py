"""A letter from the API to the file: a 约谈 issued with its meeting prints time, place and
participants and ends 特此通知; a 督办 issued from a draft prints its requirements, 文号 and
reference; details that do not fit the letter are refused."""

from datetime import date
from typing import Any

from sqlalchemy import select

from rectify_shared.models import Escalation, Issue, Org, ReportFile
from report_worker.jobs import render_report
from report_worker.render.ofd import read_ofd

MEETING = {
    "time": "2099-01-08T14:30:00",
    "place": "盟行署3楼第一会议室",
    "interviewers": ["王某（盟行署副盟长）"],
    "interviewees": ["李某（盟住建局局长）", "赵某（盟住建局副局长）"],
    "agenda": ["被约谈单位汇报整改进展和存在问题", "约谈人提出整改要求"],
}


async def letter_md(app: Any, client: Any, round_id: int, escalation_id: int) -> str:
    return (await letter_file(app, client, round_id, escalation_id, "md")).decode("utf-8")


async def letter_file(app: Any, client: Any, round_id: int, escalation_id: int, fmt: str) -> bytes:
    body = {"kind": "escalation_notice", "round_id": round_id, "format": fmt, "escalation_id": escalation_id}
    r = await client.post("/api/v1/reports", json=body)
    assert r.status_code == 202, r.text
    state = app.state.rectify
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": r.json()["id"]}) == "done"
    async with state.read_sessions() as s:
        found = await s.execute(select(ReportFile.content).where(ReportFile.report_id == r.json()["id"]))
    return bytes(found.scalar_one())


async def test_letters_print_what_was_given_when_issuing(app, client, demo_round):
    """(one test: loading the demo is most of its time)"""
    await a_summons_prints_its_meeting(app, client, demo_round)
    await issuing_a_draft_supervision_prints_requirements_number_and_reference(app, client, demo_round)
    await the_rounds_template_words_its_letters(app, client, demo_round)


async def a_summons_prints_its_meeting(app: Any, client: Any, demo_round: int) -> None:
    issue_id = (await client.get(f"/api/v1/issues?round_id={demo_round}&status=in_progress")).json()["items"][0]["id"]
    letter = {
        "level": "summons",
        "issue_id": issue_id,
        "reason": "督办后仍未按期完成整改",
        "doc_no": "锡整改办约〔2025〕1号",
    }

    r = await client.post("/api/v1/escalations", json={**letter, "letter": {"summons": {**MEETING, "place": ""}}})
    assert r.status_code == 422 and "place" in r.text
    past = {"summons": {**MEETING, "time": "2020-01-08T14:30:00"}}
    r = await client.post("/api/v1/escalations", json={**letter, "letter": past})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.letter.summons.time"
    not_summons = {**letter, "level": "supervision", "letter": {"summons": MEETING}}
    r = await client.post("/api/v1/escalations", json=not_summons)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.letter.summons"
    assert "约谈" in r.json()["error"]["message"]

    r = await client.post(
        "/api/v1/escalations", json={**letter, "reference": "盟委督办会议纪要", "letter": {"summons": MEETING}}
    )
    assert r.status_code == 201, r.text
    assert r.json()["letter"]["summons"]["time"] == "2099-01-08T14:30:00+08:00"
    text = await letter_md(app, client, demo_round, r.json()["id"])
    assert "约谈时间：2099年1月8日（星期四）下午2时30分。" in text
    assert "约谈地点：盟行署3楼第一会议室。" in text and "约谈人：王某（盟行署副盟长）。" in text
    assert "被约谈人：李某（盟住建局局长）、赵某（盟住建局副局长）。" in text
    assert "根据盟委督办会议纪要和" in text and "锡整改办约〔2025〕1号" in text
    assert "特此通知。" in text and "书面报送" not in text
    # the same letter as OFD (experimental) reads back to the same words
    pages = read_ofd(await letter_file(app, client, demo_round, r.json()["id"], "ofd")).pages
    assert "约谈时间：2099年1月8日（星期四）下午2时30分。" in [line for page in pages for line in page]
    r = await client.post("/api/v1/reports", json={"kind": "ledger", "round_id": demo_round, "format": "ofd"})
    assert r.status_code == 422  # OFD is for letters


async def issuing_a_draft_supervision_prints_requirements_number_and_reference(
    app: Any, client: Any, demo_round: int
) -> None:
    async with app.state.rectify.write_sessions() as s:
        issue = (await s.execute(select(Issue).where(Issue.seq == 9))).scalar_one()
        org = await s.get(Org, issue.lead_org_id)
        e = Escalation(
            round_id=issue.round_id, level="supervision", rule="test", dedupe_key="test:letter",
            issue_id=issue.id, addressed_org_id=org.id, org_path=org.path, reason="已超过完成时限",
            trigger={"kind": "after_deadline", "working_days": 10}, state="proposed", as_of=date(2024, 12, 16),
        )  # fmt: skip
        s.add(e)
        await s.commit()
        eid = e.id
    wrong = {"letter": {"summons": MEETING}}
    assert (await client.post(f"/api/v1/escalations/{eid}/issue", json=wrong)).status_code == 422
    act = {
        "doc_no": "锡整改办督〔2024〕9号",
        "reference": "《锡林郭勒盟生态环境保护督察整改工作督办办法》",
        "letter": {"requirements": ["12月31日前完成设施验收并投入运行", "每周五报送建设进度"]},
    }
    r = await client.post(f"/api/v1/escalations/{eid}/issue", json=act)
    assert r.status_code == 200 and r.json()["letter"]["requirements"][1] == "每周五报送建设进度"
    text = await letter_md(app, client, demo_round, eid)
    assert "锡整改办督〔2024〕9号" in text and "根据《锡林郭勒盟生态环境保护督察整改工作督办办法》和" in text
    assert "（一）12月31日前完成设施验收并投入运行。\n\n（二）每周五报送建设进度。" in text
    assert "书面报送" in text and "约谈" not in text


ROUND_LETTER = """::masthead {{ office }}
# 关于约谈{{ addressee }}主要负责同志的通知
::addressee {{ addressee }}：
{% if summons %}
定于{{ summons.time_text }}在{{ summons.place }}约谈{{ summons.interviewees | join('、') }}。
约谈人：{{ summons.interviewers | join('、') }}
{% else %}
{{ reason }}。
{% endif %}
::signature {{ office }}
::date {{ date_line }}
"""


async def the_rounds_template_words_its_letters(app: Any, client: Any, demo_round: int) -> None:
    """The office uploads its 约谈 wording for the round: the worker renders the letter with it."""
    text_body = {"Content-Type": "text/plain; charset=utf-8"}
    url = f"/api/v1/document-templates/escalation_notice?round_id={demo_round}"
    broken = "# {{ title }}\n约谈地点：{{ summons.place }}\n"  # a 督办 has no meeting: refused on upload
    r = await client.put(url, content=broken.encode(), headers=text_body)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["row"] == 2
    r = await client.put(url, content=ROUND_LETTER.encode(), headers=text_body)
    assert r.status_code == 200, r.text
    async with app.state.rectify.read_sessions() as s:
        newest = select(Escalation.id).where(Escalation.level == "summons").order_by(Escalation.id.desc())
        found = await s.execute(newest)
        summons = found.scalars().first()
    text = await letter_md(app, client, demo_round, summons)
    assert "# 关于约谈" in text and "特此通知" not in text
    meeting = "定于2099年1月8日（星期四）下午2时30分在盟行署3楼第一会议室约谈李某（盟住建局局长）、赵某"
    assert meeting in text and "约谈人：王某（盟行署副盟长）" in text
