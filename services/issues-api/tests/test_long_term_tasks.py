"""长期坚持: a long-term task is re-attested every period after acceptance; a relapse (反弹) — reported
by the unit on a progress report, or recorded by the office from a petition case — reopens it."""

import calendar
from datetime import date, timedelta
from typing import Any

from rectify_shared.timezone import today

from .test_closure_workflow import _audit_actions, _issue, accepted_closure, county_task, upload


def quarter_end(d: date) -> date:
    month = ((d.month - 1) // 3 + 1) * 3
    return date(d.year, month, calendar.monthrange(d.year, month)[1])


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


async def _feed_types(app: Any, client: Any) -> list[tuple[str, int]]:
    await app.state.relay.run_once()
    items = (await client.get("/api/v1/changes?limit=200")).json()["items"]
    return [(e["type"], int(e["aggregate_id"])) for e in items]


async def test_a_long_term_task_is_re_attested_each_period(client, signin, demo_round, app):
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round, long_term=True)
    assert (await _issue(client, issue_id))["next_attestation_due"] is None  # not accepted yet
    r = await unit.post(f"/api/v1/issues/{issue_id}/attestations", json={"statement": "尚未验收"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_long_term"

    await accepted_closure(client, unit, issue_id)
    issue = await _issue(client, issue_id)
    # accepted as long-term: the round's default cycle applies, and the first attestation is due this quarter
    assert issue["status"] == "completed_long_term" and issue["attestation_cycle"] == "quarterly"
    assert issue["next_attestation_due"] == quarter_end(today()).isoformat()

    evidence = await upload(unit, name="巡查记录.pdf")
    statement = "本季度对修复区域巡查3次，植被恢复良好，未发现反弹。"
    r = await unit.post(
        f"/api/v1/issues/{issue_id}/attestations",
        json={"statement": statement, "attachment_ids": [evidence["id"]]},
    )
    assert r.status_code == 201, r.text
    att = r.json()
    q = (today().month - 1) // 3 + 1
    assert att["period"] == f"{today().year}-Q{q}" and att["cycle"] == "quarterly"
    assert att["attachment_ids"] == [evidence["id"]] and att["attesting_org"]["name"] == "阿巴嘎旗"

    # attested this quarter: next due is the end of the next one
    next_quarter = quarter_end(quarter_end(today()) + timedelta(days=1))
    assert (await _issue(client, issue_id))["next_attestation_due"] == next_quarter.isoformat()
    listing = (await client.get(f"/api/v1/issues/{issue_id}/attestations")).json()
    assert [i["id"] for i in listing["items"]] == [att["id"]]
    assert listing["next_attestation_due"] == next_quarter.isoformat()
    # the attestation is a progress report too, with the evidence linked to it
    progress = (await client.get(f"/api/v1/issues/{issue_id}/progress")).json()["items"]
    assert [p["id"] for p in progress if p["text"] == statement] == [att["progress_report_id"]]
    links = (await client.get(f"/api/v1/attachments/{evidence['id']}")).json()["links"]
    assert any(link["target_id"] == att["progress_report_id"] for link in links)

    # a monthly cycle set on the issue: attested this month, so due at the end of next month
    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"attestation_cycle": "monthly"})
    assert r.status_code == 200, r.text
    next_month = month_end(month_end(today()) + timedelta(days=1))
    assert (await _issue(client, issue_id))["next_attestation_due"] == next_month.isoformat()

    r = await client.get(f"/api/v1/audit?entity_type=issue&entity_id={issue_id}&limit=200")
    assert "issue.attested" in [i["action"] for i in r.json()["items"]]
    assert ("issue.attested", issue_id) in await _feed_types(app, client)


async def test_attestation_role_scope_and_bad_input(client, signin, demo_round):
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round, long_term=True)
    await accepted_closure(client, unit, issue_id)
    url = f"/api/v1/issues/{issue_id}/attestations"
    assert (await (await signin("xlhts")).post(url, json={"statement": "别的旗"})).status_code == 404
    assert (await (await signin("leader")).post(url, json={"statement": "只读"})).status_code == 403
    assert (await unit.post(url, json={"statement": ""})).status_code == 422
    r = await unit.post(url, json={"statement": "附件不存在", "attachment_ids": [987654]})
    assert r.status_code == 422
    # nothing half-written: neither the attestation nor its progress report
    assert (await client.get(url)).json()["items"] == []
    progress = (await client.get(f"/api/v1/issues/{issue_id}/progress")).json()["items"]
    assert not any(p["text"] == "附件不存在" for p in progress)


async def test_office_records_a_relapse_from_a_petition_case_after_write_off(client, signin, demo_round, app):
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round, long_term=True)
    cid = (await accepted_closure(client, unit, issue_id))["id"]
    notice = {"start": "2025-09-26", "days": 10, "day_kind": "working", "medium": "盟行署网站", "contact": "0479"}
    assert (await client.post(f"/api/v1/closures/{cid}/publicity", json=notice)).status_code == 200
    assert (await client.post(f"/api/v1/closures/{cid}/writeoff", json={})).status_code == 200
    assert (await _issue(client, issue_id))["status"] == "closed"

    cases = (await client.get("/api/v1/petition-cases?limit=2")).json()["items"]
    linked, unlinked = cases[0]["id"], cases[1]["id"]
    r = await client.patch(f"/api/v1/petition-cases/{linked}", json={"issue_id": issue_id})
    assert r.status_code == 200, r.text

    url = f"/api/v1/issues/{issue_id}/relapse"
    body = {"reason": "群众举报修复区域再次出现私挖滥采", "source": "petition_case", "petition_case_id": linked}
    assert (await unit.post(url, json=body)).status_code == 403  # the office records relapses
    r = await client.post(url, json={**body, "petition_case_id": unlinked})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.petition_case_id"
    assert (await client.post(url, json={"reason": "无来源", "source": "petition_case"})).status_code == 422
    assert (await _issue(client, issue_id))["status"] == "closed"  # refused: nothing changed

    r = await client.post(url, json=body)
    assert r.status_code == 201, r.text
    relapse = r.json()
    assert relapse["from_status"] == "closed" and relapse["petition_case_id"] == linked
    assert relapse["closure_id"] == cid
    issue = await _issue(client, issue_id)
    assert issue["status"] == "in_progress" and issue["next_attestation_due"] is None
    closure = (await client.get(f"/api/v1/closures/{cid}")).json()
    assert closure["state"] == "reopened"
    assert [r["source"] for r in (await unit.get(f"/api/v1/issues/{issue_id}/relapses")).json()] == ["petition_case"]
    # the status history names the relapse, and the trail holds it
    assert "closure.reopened" in await _audit_actions(client, cid)
    r = await client.get(f"/api/v1/audit?entity_type=issue&entity_id={issue_id}&action=issue.relapsed")
    assert r.json()["items"][0]["after"]["source"] == "petition_case"
    feed = await _feed_types(app, client)
    assert ("issue.relapsed", issue_id) in feed and ("closure.reopened", cid) in feed

    # a relapse of work already in progress is refused; the unit applies for closure again
    r = await client.post(url, json=body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_finished"
    r = await unit.post("/api/v1/closures", json={"issue_id": issue_id, "statement": "已重新整改到位"})
    assert r.status_code == 201 and r.json()["state"] == "under_review"


async def test_a_progress_report_flagged_relapse_reopens_the_task(client, signin, demo_round):
    unit = await signin("abgq")
    issue_id = await county_task(client, demo_round)
    url = f"/api/v1/issues/{issue_id}/progress"
    flagged = {"text": "巡查发现部分区域植被再次破坏", "relapse": True}
    r = await unit.post(url, json=flagged)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_finished"
    assert (await unit.get(url)).json()["items"] == []  # the refused report was not kept

    cid = (await accepted_closure(client, unit, issue_id))["id"]
    assert (await _issue(client, issue_id))["status"] == "completed"
    r = await unit.post(url, json=flagged)
    assert r.status_code == 201, r.text
    report_id = r.json()["id"]
    assert (await _issue(client, issue_id))["status"] == "in_progress"
    assert (await client.get(f"/api/v1/closures/{cid}")).json()["state"] == "reopened"
    relapses = (await client.get(f"/api/v1/issues/{issue_id}/relapses")).json()
    assert [(x["source"], x["progress_report_id"], x["reason"]) for x in relapses] == [
        ("progress_report", report_id, flagged["text"])
    ]
