"""Dispatch rounds (who reported, who did not) and people's acts on escalations."""

from datetime import date

from sqlalchemy import select

from rectify_shared.escalation_policy import DEFAULT_POLICY
from rectify_shared.models import Escalation, Issue, Org


async def org_ids(client) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def test_a_dispatch_round_lists_who_owes_and_who_reported(client, signin, demo_round):
    r = await client.post(
        "/api/v1/dispatch-rounds",
        json={"round_id": demo_round, "frequency": "weekly", "period": "2024-W50", "cutoff": "2024-12-13"},
    )
    assert r.status_code == 201, r.text
    opened = r.json()
    assert r.headers["location"] == f"/api/v1/dispatch-rounds/{opened['id']}"
    owing = {o["org_name"] for o in opened["obligations"]}
    # the units of the three problems still in progress (3, 7, 9) owe a report; nobody has reported yet
    assert owing and opened["reported"] == 0 and opened["missing"] == opened["owed"] == len(owing)
    again = await client.post(
        "/api/v1/dispatch-rounds",
        json={"round_id": demo_round, "frequency": "weekly", "period": "2024-W50", "cutoff": "2024-12-13"},
    )
    assert again.status_code == 409
    bad = await client.post(
        "/api/v1/dispatch-rounds",
        json={"round_id": demo_round, "frequency": "monthly", "period": "2024-W50", "cutoff": "2024-12-13"},
    )
    assert bad.status_code == 422

    # a unit that owes reports progress: its obligation is met
    ids = await org_ids(client)
    unit_name = opened["obligations"][0]["org_name"]
    unit_key = {
        "锡林郭勒盟自然资源局": "xlgl_zrzyj",
        "锡林郭勒盟林业和草原局": "xlgl_lcj",
        "锡林郭勒盟住房和城乡建设局": "xlgl_zjj",
    }.get(unit_name)
    items = (
        await client.get(f"/api/v1/issues?round_id={demo_round}&status=in_progress&org_id={ids[unit_name]}")
    ).json()
    issue_id = items["items"][0]["id"]
    if unit_key:
        unit = await signin(unit_key)
        assert (await unit.post(f"/api/v1/issues/{issue_id}/progress", json={"text": "本周进展"})).status_code == 201
    else:
        body = {"text": "本周进展", "reporting_org_id": ids[unit_name]}
        assert (await client.post(f"/api/v1/issues/{issue_id}/progress", json=body)).status_code == 201
    detail = (await client.get(f"/api/v1/dispatch-rounds/{opened['id']}")).json()
    met = next(o for o in detail["obligations"] if o["org_name"] == unit_name)
    # the cutoff (2024-12-13) is long past: the report counts, marked late
    assert met["reported"] and met["progress_report_id"] and met["late"] is True
    assert detail["reported"] == 1 and detail["missing"] == detail["owed"] - 1
    assert [o["reported"] for o in detail["obligations"]] == sorted(o["reported"] for o in detail["obligations"])
    listed = (await client.get(f"/api/v1/dispatch-rounds?round_id={demo_round}")).json()["items"]
    assert [d["id"] for d in listed] == [opened["id"]] and listed[0]["reported"] == 1


async def _escalation(
    app, issue_seq: int, *, state: str, level: str = "supervision", to: str | None = None, due: date | None = None, n=0
) -> int:
    """An escalation as the notifier's scan would create it (`due`: its response due day; `n`
    tells apart letters of one problem, state and level)."""
    async with app.state.rectify.write_sessions() as s:
        issue = (await s.execute(select(Issue).where(Issue.seq == issue_seq))).scalar_one()
        org = await s.get(Org, issue.lead_org_id)
        addressed = (await s.execute(select(Org).where(Org.name == to))).scalar_one() if to else org
        e = Escalation(
            round_id=issue.round_id,
            level=level,
            rule="test",
            dedupe_key=f"test:{issue.id}:{state}:{level}" + (f":{n}" if n else ""),
            issue_id=issue.id,
            addressed_org_id=addressed.id,
            org_path=org.path,
            reason="已超过完成时限",
            trigger={"kind": "after_deadline", "working_days": 10},
            state=state,
            as_of=date(2024, 12, 16),
            response_due=due,
        )
        s.add(e)
        await s.commit()
        return e.id


async def test_the_office_issues_and_the_unit_responds(app, client, signin, demo_round):
    eid = await _escalation(app, 9, state="proposed")
    r = await client.post(f"/api/v1/escalations/{eid}/issue", json={"doc_no": "锡环督〔2024〕12号"})
    assert r.status_code == 200 and r.json()["state"] == "issued" and r.json()["doc_no"] == "锡环督〔2024〕12号"
    assert r.json()["level_text"] == "督办"
    assert (await client.post(f"/api/v1/escalations/{eid}/issue", json={})).status_code == 409
    # the lead unit of problem 9 answers (it is addressed to it)
    lead = (await client.get(f"/api/v1/issues/{r.json()['issue_id']}")).json()["lead_org"]["name"]
    assert lead == "锡林郭勒盟住房和城乡建设局"
    unit = await signin("xlgl_zjj")
    assert (await unit.get(f"/api/v1/escalations/{eid}")).status_code == 200
    assert (await unit.post(f"/api/v1/escalations/{eid}/issue", json={})).status_code == 403
    r = await unit.post(f"/api/v1/escalations/{eid}/respond", json={"response": "已制定整改计划，12月底前完成。"})
    assert r.status_code == 200 and r.json()["state"] == "responded" and r.json()["responded_by"] == "xlgl_zjj"
    # another county sees nothing of it
    other = await signin("abgq")
    assert (await other.get(f"/api/v1/escalations/{eid}")).status_code == 404
    assert eid not in [e["id"] for e in (await other.get("/api/v1/escalations")).json()["items"]]
    listed = (await client.get("/api/v1/escalations?level=supervision&state=responded")).json()["items"]
    assert [e["id"] for e in listed] == [eid]


async def test_withdraw_and_a_unit_may_answer_only_what_is_addressed_to_it(app, client, signin, demo_round):
    eid = await _escalation(app, 9, state="issued", to="锡林郭勒盟")  # addressed to the parent
    unit = await signin("xlgl_zjj")
    assert (await unit.post(f"/api/v1/escalations/{eid}/respond", json={"response": "说明"})).status_code == 403
    r = await client.post(f"/api/v1/escalations/{eid}/withdraw", json={"reason": "经核实已按期完成"})
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    assert (await client.post(f"/api/v1/escalations/{eid}/withdraw", json={"reason": "again"})).status_code == 409


async def test_the_office_escalates_by_hand(app, client, demo_round):
    items = (await client.get(f"/api/v1/issues?round_id={demo_round}&status=in_progress")).json()["items"]
    r = await client.post(
        "/api/v1/escalations",
        json={"level": "summons", "issue_id": items[0]["id"], "reason": "进度严重滞后", "doc_no": "锡环约〔2024〕3号"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "issued" and body["rule"] == "manual" and body["addressed_person"]
    assert body["response_due"] is not None
    await app.state.relay.run_once()
    changes = (await client.get("/api/v1/changes?limit=200")).json()["items"]
    mine = [c["type"] for c in changes if c["aggregate_type"] == "escalation" and c["aggregate_id"] == str(body["id"])]
    assert mine == ["escalation.created", "escalation.issued"]  # issued at once: it goes out for delivery


async def test_escalation_policy_get_put_validated_and_audited(client, signin, demo_round):
    r = await client.get(f"/api/v1/rounds/{demo_round}/escalation-policy")
    assert r.status_code == 200 and r.json() == DEFAULT_POLICY.model_dump(mode="json")
    policy = r.json()
    policy["rules"] = policy["rules"][:3]
    policy["rules"][0]["trigger"]["working_days"] = 3
    r = await client.put(f"/api/v1/rounds/{demo_round}/escalation-policy", json=policy)
    assert r.status_code == 200 and r.json()["rules"][0]["trigger"]["working_days"] == 3
    assert (await client.get(f"/api/v1/rounds/{demo_round}/escalation-policy")).json() == r.json()
    bad = {
        "rules": [
            {
                "id": "x",
                "level": "warning",
                "trigger": {"kind": "repeated", "of_level": "supervision", "count": 2, "within_working_days": 5},
            }
        ]
    }
    r = await client.put(f"/api/v1/rounds/{demo_round}/escalation-policy", json=bad)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_policy"
    r = await client.put(
        f"/api/v1/rounds/{demo_round}/escalation-policy", json={"rules": [{"id": "y", "level": "alarm"}]}
    )
    assert r.status_code == 422
    # a form can put the message beside its box: the field as in the body (no union branch), in Chinese
    too_far = {"rules": [{"id": "z", "level": "warning", "trigger": {"kind": "before_deadline", "working_days": 99}}]}
    r = await client.put(f"/api/v1/rounds/{demo_round}/escalation-policy", json=too_far)
    detail = r.json()["error"]["details"][0]
    assert (detail["field"], detail["reason_zh"]) == ("body.rules.0.trigger.working_days", "须小于或等于 60")
    audit = (await client.get("/api/v1/audit?action=escalation_policy.replaced")).json()["items"]
    assert len(audit) == 1
    leader = await signin("leader")
    assert (await leader.put(f"/api/v1/rounds/{demo_round}/escalation-policy", json=policy)).status_code == 403
