"""Issue 18, seen #1, #2, #9 and #10: units move their own tasks, see what they answer for, count
the same figures as the office, and history carries the day it happened.

A county unit (`abgq`, 阿巴嘎旗) answers for measures of problems the office creates here; the
office's `client` (the demo admin) keeps the ledger.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from rectify_shared import clock
from rectify_shared.models import IssueStatusChange


async def org_ids(client: Any) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def new_issue(client: Any, round_id: int, lead: int, **extra: Any) -> dict[str, Any]:
    body = {"round_id": round_id, "category": "单位的一天", "description": "测试问题", "lead_org_id": lead, **extra}
    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def new_measure(client: Any, issue_id: int, org: int | None, text: str = "措施") -> int:
    r = await client.post(f"/api/v1/issues/{issue_id}/measures", json={"text": text, "responsible_org_id": org})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def status_of(client: Any, measure_id: int) -> str:
    return (await client.get(f"/api/v1/measures/{measure_id}")).json()["status"]


async def test_a_unit_moves_its_measures_and_the_problem_goes_to_closure_only_when_all_are_done(
    client, signin, demo_round
):
    ids = await org_ids(client)
    abgq = await signin("abgq")
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    m1, m2, m3 = [await new_measure(client, issue["id"], ids["阿巴嘎旗"], f"措施{n}") for n in (1, 2, 3)]

    # seen #1: the unit reports on its measure — the measure and the problem start
    r = await abgq.post(f"/api/v1/measures/{m1}/progress", json={"text": "已开工"})
    assert r.status_code == 201, r.text
    assert await status_of(abgq, m1) == "in_progress"
    assert (await abgq.get(f"/api/v1/issues/{issue['id']}")).json()["status"] == "in_progress"

    # seen #1: PATCH by the unit is no longer 403 for the status of what it answers for
    r = await abgq.patch(f"/api/v1/measures/{m2}", json={"status": "in_progress"})
    assert r.status_code == 200, r.text
    for target in ("completed", "in_progress", "completed"):
        r = await abgq.patch(f"/api/v1/measures/{m1}", json={"status": target})
        assert r.status_code == 200 and r.json()["status"] == target, r.text
    # …but not its text, nor a jump the office alone may make
    assert (await abgq.patch(f"/api/v1/measures/{m3}", json={"text": "改写"})).status_code == 403
    refused = await abgq.patch(f"/api/v1/measures/{m3}", json={"status": "completed"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "illegal_transition"
    assert (await abgq.patch(f"/api/v1/measures/{m3}", json={"status": "waived", "reason": "想免"})).status_code == 409

    # an open measure holds the problem back from 销号, naming it
    r = await abgq.post("/api/v1/closures", json={"issue_id": issue["id"], "statement": "已完成"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "measures_open", r.text
    assert "措施2" in r.json()["error"]["message"] and "措施3" in r.json()["error"]["message"]

    # the office waives one (a reason is required) and the unit completes the other
    no_reason = await client.patch(f"/api/v1/measures/{m3}", json={"status": "waived"})
    assert no_reason.status_code == 422
    r = await client.patch(
        f"/api/v1/measures/{m3}", json={"status": "waived", "reason": "方案调整，经整改办同意不再实施"}
    )
    assert r.status_code == 200 and r.json()["status"] == "waived", r.text
    assert (await abgq.patch(f"/api/v1/measures/{m2}", json={"status": "completed"})).status_code == 200
    r = await abgq.post("/api/v1/closures", json={"issue_id": issue["id"], "statement": "已完成"})
    assert r.status_code == 201, r.text
    closure = r.json()["id"]

    # acceptance never leaves open measures under a completed problem
    r = await client.patch(f"/api/v1/measures/{m2}", json={"status": "in_progress"})
    assert r.status_code == 200, r.text
    assert (await client.post(f"/api/v1/closures/{closure}/review", json={"approve": True})).status_code == 200
    results = [(await client.post(f"/api/v1/closures/{closure}/accept", json={})) for _ in range(2)]
    last = results[-1] if results[0].status_code == 200 else results[0]
    assert last.status_code == 409 and last.json()["error"]["code"] == "measures_open", last.text
    assert (await client.get(f"/api/v1/issues/{issue['id']}")).json()["status"] == "in_progress"

    # the office's audit keeps the override's reason
    audit = (await client.get(f"/api/v1/audit?entity_type=measure&entity_id={m3}")).json()
    assert "方案调整" in str(audit)


async def test_the_lead_unit_starts_its_problem_and_the_office_overrides_with_a_reason(client, signin, demo_round):
    ids = await org_ids(client)
    abgq = await signin("abgq")
    own = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    other = await new_issue(client, demo_round, ids["锡林浩特市"], responsible_org_ids=[ids["阿巴嘎旗"]])

    assert (await abgq.patch(f"/api/v1/issues/{own['id']}", json={"goal": "改目标"})).status_code == 403
    r = await abgq.patch(f"/api/v1/issues/{own['id']}", json={"status": "in_progress"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
    assert (await abgq.patch(f"/api/v1/issues/{own['id']}", json={"status": "completed"})).status_code == 409
    # responsible but not the lead: it reads the problem, the lead starts it
    assert (await abgq.patch(f"/api/v1/issues/{other['id']}", json={"status": "in_progress"})).status_code == 403

    # the office: outside the table only with a reason, never straight to 已销号
    fresh = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    assert (await client.patch(f"/api/v1/issues/{fresh['id']}", json={"status": "completed"})).status_code == 409
    r = await client.patch(f"/api/v1/issues/{fresh['id']}", json={"status": "completed", "reason": "已于进驻期间完成"})
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text
    closed = await client.patch(f"/api/v1/issues/{own['id']}", json={"status": "closed", "reason": "想直接销号"})
    assert closed.status_code == 409


async def test_the_office_completes_a_problem_over_open_measures_only_with_a_reason(app, client, demo_round):
    """The office could PATCH a problem to 已完成整改 over open measures with no word of why."""
    ids = await org_ids(client)
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    done, waived, open_one = [await new_measure(client, issue["id"], ids["阿巴嘎旗"], f"措施{n}") for n in (1, 2, 3)]
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"status": "in_progress"})
    assert r.status_code == 200, r.text
    for m in (done, open_one):
        assert (await client.patch(f"/api/v1/measures/{m}", json={"status": "in_progress"})).status_code == 200
    assert (await client.patch(f"/api/v1/measures/{done}", json={"status": "completed"})).status_code == 200
    r = await client.patch(f"/api/v1/measures/{waived}", json={"status": "waived", "reason": "经批准不再实施"})
    assert r.status_code == 200, r.text

    for status in ("completed", "completed_long_term"):
        r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"status": status})
        assert r.status_code == 409, r.text
        error = r.json()["error"]
        assert error["code"] == "measures_open" and "reason" in error["message_en"]
        assert "措施3" in error["message"] and "措施1" not in error["message"]  # names the open one only
    assert (await client.get(f"/api/v1/issues/{issue['id']}")).json()["status"] == "in_progress"

    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"status": "completed", "reason": "措施3由省级统筹"})
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text
    audit = (await client.get(f"/api/v1/audit?action=issue.updated&entity_id={issue['id']}")).json()["items"]
    assert audit[0]["after"]["reason"] == "措施3由省级统筹" and audit[0]["after"]["open_measure_ids"] == [open_one]
    async with app.state.rectify.read_sessions() as s:  # the status history keeps why
        change = (
            (
                await s.execute(
                    select(IssueStatusChange)
                    .where(IssueStatusChange.issue_id == issue["id"])
                    .order_by(IssueStatusChange.id.desc())  # type: ignore[union-attr]
                )
            )
            .scalars()
            .first()
        )
    assert change is not None and (change.to_status, change.reason) == ("completed", "措施3由省级统筹")

    # every measure done: no reason needed
    second = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    only = await new_measure(client, second["id"], ids["阿巴嘎旗"])
    for target in ("in_progress", "completed"):
        assert (await client.patch(f"/api/v1/measures/{only}", json={"status": target})).status_code == 200
    r = await client.patch(f"/api/v1/issues/{second['id']}", json={"status": "in_progress"})
    assert r.status_code == 200, r.text
    r = await client.patch(f"/api/v1/issues/{second['id']}", json={"status": "completed"})
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text


async def test_completion_needs_the_evidence_the_round_asks_for(client, signin, helpers):
    ids = await org_ids(client)
    r = await client.post(
        "/api/v1/rounds",
        json={
            "name": "要求佐证的轮次",
            "inspection_team": "督察组",
            "target_region": "锡林郭勒盟",
            "org_id": ids["锡林郭勒盟"],
            "completion_requires_attachment": True,
        },
    )
    assert r.status_code == 201 and r.json()["completion_requires_attachment"] is True, r.text
    issue = await new_issue(client, r.json()["id"], ids["阿巴嘎旗"])
    measure = await new_measure(client, issue["id"], ids["阿巴嘎旗"])
    abgq = await signin("abgq")
    report = (await abgq.post(f"/api/v1/measures/{measure}/progress", json={"text": "完成"})).json()
    refused = await abgq.patch(f"/api/v1/measures/{measure}", json={"status": "completed"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "evidence_required", refused.text

    up = await abgq.post("/api/v1/attachments", files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF\n")})
    assert up.status_code == 201, up.text
    link = await abgq.post(
        f"/api/v1/attachments/{up.json()['id']}/links",
        json={"target_kind": "progress_report", "target_id": int(report["id"])},
    )
    assert link.status_code in (200, 201), link.text
    assert (await abgq.patch(f"/api/v1/measures/{measure}", json={"status": "completed"})).status_code == 200


async def test_a_measure_org_reads_the_problem_and_reports_on_it(client, signin, demo_round):
    """Seen #2: a measure whose org is neither lead nor responsible was 404 for that org."""
    ids = await org_ids(client)
    issue = await new_issue(client, demo_round, ids["锡林浩特市"])
    measure = await new_measure(client, issue["id"], ids["阿巴嘎旗"])
    theirs = await new_measure(client, issue["id"], ids["锡林浩特市"])
    abgq = await signin("abgq")
    assert (await abgq.get(f"/api/v1/issues/{issue['id']}")).status_code == 200
    assert (await abgq.get(f"/api/v1/measures/{measure}")).status_code == 200
    listed = (await abgq.get(f"/api/v1/issues?round_id={demo_round}&limit=200")).json()["items"]
    assert issue["id"] in {i["id"] for i in listed}
    # the ledger still shows only the lead and responsible orgs
    assert (await abgq.get(f"/api/v1/issues/{issue['id']}")).json()["responsible_orgs"] == []
    assert (await abgq.post(f"/api/v1/measures/{measure}/progress", json={"text": "进展"})).status_code == 201
    assert await status_of(abgq, measure) == "in_progress"
    # another org's measure is readable (it is on the problem) but not the unit's to move
    assert (await abgq.patch(f"/api/v1/measures/{theirs}", json={"status": "in_progress"})).status_code == 403

    # the measure moves to another org: abgq no longer reads the problem
    r = await client.patch(f"/api/v1/measures/{measure}", json={"responsible_org_id": ids["锡林浩特市"]})
    assert r.status_code == 200, r.text
    assert (await abgq.get(f"/api/v1/issues/{issue['id']}")).status_code == 404


async def test_the_dispatch_list_and_detail_agree_for_a_county(client, signin, demo_round):
    """Seen #9: the list showed a county the league's totals (owed 11), the detail its own (owed 1)."""
    ids = await org_ids(client)
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    assert (await client.patch(f"/api/v1/issues/{issue['id']}", json={"status": "in_progress"})).status_code == 200
    body = {"round_id": demo_round, "frequency": "weekly", "period": "2030-W02", "cutoff": "2030-01-11"}
    opened = (await client.post("/api/v1/dispatch-rounds", json=body)).json()
    assert opened["owed"] > 1
    abgq = await signin("abgq")
    detail = (await abgq.get(f"/api/v1/dispatch-rounds/{opened['id']}")).json()
    listed = next(d for d in (await abgq.get("/api/v1/dispatch-rounds")).json()["items"] if d["id"] == opened["id"])
    assert detail["owed"] == listed["owed"] == 1
    assert (detail["reported"], detail["missing"]) == (listed["reported"], listed["missing"])


async def test_history_starts_when_it_happened(client, signin, demo_round):
    """Seen #10: an office starting mid-round records the past; units cannot date their own reports."""
    ids = await org_ids(client)
    today = clock.today()
    created_on, started_on = today - timedelta(days=60), today - timedelta(days=30)
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"], occurred_on=created_on.isoformat())
    r = await client.patch(
        f"/api/v1/issues/{issue['id']}", json={"status": "in_progress", "occurred_on": started_on.isoformat()}
    )
    assert r.status_code == 200, r.text

    async def counts(as_of: Any) -> dict[str, int]:
        url = f"/api/v1/stats/issues?round_id={demo_round}&as_of={as_of.isoformat()}"
        return (await client.get(url)).json()["by_status"]

    before = await counts(created_on - timedelta(days=1))
    on_creation = await counts(created_on)
    on_start = await counts(started_on)
    assert on_creation["not_started"] == before["not_started"] + 1
    assert on_start["in_progress"] == on_creation["in_progress"] + 1
    assert on_start["not_started"] == before["not_started"]

    # the checks: not in the future, not before the round's stay (2022-03-25), office only
    future = await client.patch(
        f"/api/v1/issues/{issue['id']}",
        json={"status": "completed", "occurred_on": (today + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 422 and future.json()["error"]["details"][0]["field"] == "body.occurred_on"
    early = await new_issue_status(client, demo_round, ids, "2022-03-24")
    assert early.status_code == 422 and "2022-03-25" in early.json()["error"]["message"]

    # a unit's own report is dated by the server: a late report cannot make itself on time
    abgq = await signin("abgq")
    for field, value in (("reported_at", "2024-12-01T09:00:00+08:00"), ("occurred_on", "2024-12-01")):
        r = await abgq.post(f"/api/v1/issues/{issue['id']}/progress", json={"text": "补报", field: value})
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == f"body.{field}", r.text
        assert "系统" in r.json()["error"]["message"]
    body = {"round_id": demo_round, "frequency": "weekly", "period": "2024-W48", "cutoff": "2024-12-01"}
    dispatch = (await client.post("/api/v1/dispatch-rounds", json=body)).json()
    assert (await abgq.post(f"/api/v1/issues/{issue['id']}/progress", json={"text": "本周进展"})).status_code == 201
    mine = next(
        o
        for o in (await abgq.get(f"/api/v1/dispatch-rounds/{dispatch['id']}")).json()["obligations"]
        if o["org_id"] == ids["阿巴嘎旗"]
    )
    assert mine["reported"] and mine["late"] is True

    # the office may record a report from before Rectify; as-of readers see it on that day
    r = await client.post(
        f"/api/v1/issues/{issue['id']}/progress",
        json={"text": "历史进展", "reporting_org_id": ids["阿巴嘎旗"], "occurred_on": started_on.isoformat()},
    )
    assert r.status_code == 201, r.text


async def new_issue_status(client: Any, round_id: int, ids: dict[str, int], day: str) -> Any:
    body = {
        "round_id": round_id,
        "category": "单位的一天",
        "description": "早于进驻",
        "lead_org_id": ids["阿巴嘎旗"],
        "occurred_on": day,
    }
    return await client.post("/api/v1/issues", json=body)


async def test_a_waived_measure_shows_why_in_the_ledger(client, demo_round):
    ids = await org_ids(client)
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"])
    measure = await new_measure(client, issue["id"], ids["阿巴嘎旗"])
    r = await client.patch(f"/api/v1/measures/{measure}", json={"status": "waived", "reason": "已并入问题5整改"})
    assert r.status_code == 200 and r.json()["waived_reason"] == "已并入问题5整改", r.text
    detail = (await client.get(f"/api/v1/issues/{issue['id']}")).json()
    assert [(m["status"], m["waived_reason"]) for m in detail["measures"]] == [("waived", "已并入问题5整改")]
    r = await client.patch(f"/api/v1/measures/{measure}", json={"status": "in_progress", "reason": "恢复实施"})
    assert r.status_code == 200 and r.json()["waived_reason"] is None, r.text


async def _evidence(reporter: Any, measure_id: int, text: str, content: bytes) -> tuple[int, int]:
    """A progress report on the measure with a file linked to it: (report id, attachment id)."""
    report = await reporter.post(f"/api/v1/measures/{measure_id}/progress", json={"text": text})
    assert report.status_code == 201, report.text
    up = await reporter.post("/api/v1/attachments", files={"file": ("e.pdf", b"%PDF-1.4\n" + content + b"\n%%EOF\n")})
    assert up.status_code == 201, up.text
    link = await reporter.post(
        f"/api/v1/attachments/{up.json()['id']}/links",
        json={"target_kind": "progress_report", "target_id": int(report.json()["id"])},
    )
    assert link.status_code in (200, 201), link.text
    return int(report.json()["id"]), int(up.json()["id"])


async def test_a_measure_org_sees_not_the_other_measures_evidence_when_the_round_says_so(client, signin, demo_round):
    """Issue 18: an org responsible for a measure reads it and its issue — "not the other measures'
    evidence if the round says so"."""
    ids = await org_ids(client)
    abgq = await signin("abgq")
    r = await client.post(
        "/api/v1/rounds",
        json={
            "name": "措施佐证分开的轮次",
            "inspection_team": "督察组",
            "target_region": "锡林郭勒盟",
            "org_id": ids["锡林郭勒盟"],
            "measure_evidence_private": True,
        },
    )
    assert r.status_code == 201 and r.json()["measure_evidence_private"] is True, r.text
    assert (await client.get(f"/api/v1/rounds/{demo_round}")).json()["measure_evidence_private"] is False

    seen: dict[bool, tuple[set[int], set[int]]] = {}
    for private, round_id in ((True, r.json()["id"]), (False, demo_round)):
        issue = await new_issue(client, round_id, ids["锡林浩特市"])
        mine = await new_measure(client, issue["id"], ids["阿巴嘎旗"], "阿巴嘎旗的措施")
        theirs = await new_measure(client, issue["id"], ids["锡林浩特市"], "锡林浩特市的措施")
        own_report, own_file = await _evidence(abgq, mine, "本旗进展", b"mine")
        their_report, their_file = await _evidence(client, theirs, "他人进展", b"theirs")
        on_issue = await client.post(f"/api/v1/issues/{issue['id']}/progress", json={"text": "问题总体进展"})
        assert on_issue.status_code == 201, on_issue.text

        listed = (await abgq.get(f"/api/v1/issues/{issue['id']}/progress")).json()["items"]
        files = {f for f in (own_file, their_file) if (await abgq.get(f"/api/v1/attachments/{f}")).status_code == 200}
        seen[private] = ({int(p["id"]) for p in listed}, files)
        assert int(on_issue.json()["id"]) in seen[private][0]  # the problem's own reports stay shared
        # the office sees every report and file either way
        office = (await client.get(f"/api/v1/issues/{issue['id']}/progress")).json()["items"]
        assert {own_report, their_report} <= {int(p["id"]) for p in office}
        assert (await client.get(f"/api/v1/attachments/{their_file}")).status_code == 200
        # the problem and the other measure (its text and status) stay readable
        assert (await abgq.get(f"/api/v1/issues/{issue['id']}")).status_code == 200
        assert (await abgq.get(f"/api/v1/measures/{theirs}")).status_code == 200
        if private:
            assert own_report in seen[True][0] and their_report not in seen[True][0]
            assert seen[True][1] == {own_file}
            assert (await abgq.get(f"/api/v1/attachments/{their_file}/content")).status_code == 404
            assert (await abgq.get(f"/api/v1/attachments/{own_file}/content")).status_code == 200
            # one report by its id, and a signed link to the other's file, are refused alike
            assert (await abgq.get(f"/api/v1/progress/{their_report}")).status_code == 404
            assert (await abgq.get(f"/api/v1/progress/{own_report}")).status_code == 200
            assert (await abgq.post(f"/api/v1/attachments/{their_file}/link")).status_code == 404
        else:
            assert (await abgq.get(f"/api/v1/progress/{their_report}")).status_code == 200
            assert {own_report, their_report} <= seen[False][0] and seen[False][1] == {own_file, their_file}
