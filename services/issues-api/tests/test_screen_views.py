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
    body = {"round_id": round_id, "category": "屏幕视图", "description": "测试问题", "lead_org_id": lead}
    body |= extra
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


async def test_the_measure_list_counts_working_days_overdue_on_the_work_calendar(client, signin, demo_round):
    ids = await org_ids(client)
    abgq, xlhts = await signin("abgq"), await signin("xlhts")
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"], deadline="2024-12-31")
    # due Friday 2024-09-27, before 国庆: Sunday 9-29 is a make-up working day, 10-1…10-7 are holidays
    late = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline="2024-09-27")
    done = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline="2024-09-27")
    later = await new_measure(client, issue["id"], ids["阿巴嘎旗"])  # due with its problem
    assert (await abgq.patch(f"/api/v1/measures/{done}", json={"status": "in_progress"})).status_code == 200
    assert (await abgq.patch(f"/api/v1/measures/{done}", json={"status": "completed"})).status_code == 200

    r = await abgq.get("/api/v1/measures", params={"issue_id": issue["id"], "as_of": "2024-10-08"})
    assert r.status_code == 200, r.text
    by_id = {m["id"]: m for m in r.json()["items"]}
    assert [m["id"] for m in r.json()["items"]] == [late, done, later]  # due first
    assert by_id[late]["overdue"] is True and by_id[late]["days_overdue"] == 3  # 9-29, 9-30, 10-8
    assert by_id[done]["overdue"] is False and by_id[done]["days_overdue"] is None
    assert by_id[later]["due"] == "2024-12-31" and by_id[later]["overdue"] is False
    assert by_id[late]["issue_seq"] == issue["seq"] and by_id[late]["responsible_org"]["name"] == "阿巴嘎旗"

    overdue = await abgq.get(
        "/api/v1/measures",
        params={"issue_id": issue["id"], "as_of": "2024-10-08", "overdue": "true", "with_total": "true"},
    )
    assert [m["id"] for m in overdue.json()["items"]] == [late] and overdue.json()["total"] == 1
    # a Friday deadline is 0 working days overdue on Saturday
    sat = await abgq.get("/api/v1/measures", params={"issue_id": issue["id"], "as_of": "2024-09-28", "overdue": "true"})
    assert [m["days_overdue"] for m in sat.json()["items"]] == [0]
    due = await abgq.get("/api/v1/measures", params={"issue_id": issue["id"], "due_before": "2024-10-01"})
    assert {m["id"] for m in due.json()["items"]} == {late, done}
    mine = await client.get(
        "/api/v1/measures", params={"responsible_org_id": ids["阿巴嘎旗"], "round_id": demo_round, "limit": 2}
    )
    page1 = mine.json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = (
        await client.get(
            "/api/v1/measures",
            params={
                "responsible_org_id": ids["阿巴嘎旗"],
                "round_id": demo_round,
                "limit": 2,
                "cursor": page1["next_cursor"],
            },
        )
    ).json()
    assert not {m["id"] for m in page1["items"]} & {m["id"] for m in page2["items"]}

    # another county sees none of them; bad input is a 422 in both languages
    assert (await xlhts.get("/api/v1/measures", params={"issue_id": issue["id"]})).json()["items"] == []
    bad = await abgq.get("/api/v1/measures", params={"as_of": "2200-01-01"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.as_of"
    assert (
        await abgq.get("/api/v1/measures", params={"cursor": "eyJzIjoiZHVlIiwidiI6MSwiaWQiOjF9"})
    ).status_code == 422


async def test_a_problem_says_how_many_working_days_it_is_overdue(client, signin, demo_round):
    ids = await org_ids(client)
    abgq, league = await signin("abgq"), ids["阿巴嘎旗"]
    kind = {"category": "逾期计数"}
    # due Friday 2024-09-27, before 国庆 (9-29 a make-up working day, 10-1…10-7 holidays)
    late = await new_issue(client, demo_round, league, deadline="2024-09-27", **kind)
    done = await new_issue(client, demo_round, league, deadline="2024-09-27", **kind)
    undated = await new_issue(client, demo_round, league, **kind)
    gone = await new_issue(client, demo_round, league, deadline="2024-09-27", **kind)
    for status in ("in_progress", "completed"):
        assert (await client.patch(f"/api/v1/issues/{done['id']}", json={"status": status})).status_code == 200
    assert (await client.post(f"/api/v1/issues/{gone['id']}/withdraw", json={"reason": "重复录入"})).status_code == 200
    loose = await new_measure(client, undated["id"], league)  # no deadline, its problem none either

    async def marks(**params: str) -> dict[int, tuple[bool, int | None]]:
        r = await abgq.get("/api/v1/issues", params={"round_id": str(demo_round), **kind, **params})
        assert r.status_code == 200, r.text
        return {i["id"]: (i["overdue"], i["days_overdue"]) for i in r.json()["items"]}

    on_oct_8 = {late["id"]: (True, 3), done["id"]: (False, None), undated["id"]: (False, None)}
    assert await marks(as_of="2024-10-08") == on_oct_8  # 9-29, 9-30, 10-8
    assert await marks(as_of="2024-09-28") == on_oct_8 | {late["id"]: (True, 0)}  # a Saturday
    assert await marks(as_of="2024-09-27") == on_oct_8 | {late["id"]: (False, None)}  # due today: not yet
    assert await marks(as_of="2024-10-08", overdue="true") == {late["id"]: (True, 3)}
    assert set(await marks(as_of="2024-10-08", overdue="false")) == {done["id"], undated["id"]}
    today_late = (await marks())[late["id"]]
    assert today_late[0] is True and today_late[1] > 400  # two years on, as of the request's day

    detail = await abgq.get(f"/api/v1/issues/{late['id']}", params={"as_of": "2024-10-08"})
    assert (detail.json()["overdue"], detail.json()["days_overdue"]) == (True, 3)
    withdrawn = (await client.get(f"/api/v1/issues/{gone['id']}")).json()
    assert withdrawn["withdrawal"] and (withdrawn["overdue"], withdrawn["days_overdue"]) == (False, None)
    bad = await abgq.get(f"/api/v1/issues/{late['id']}", params={"as_of": "2101-01-01"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.as_of"
    # an undated measure is among the measures not overdue
    others = await abgq.get("/api/v1/measures", params={"issue_id": undated["id"], "overdue": "false"})
    assert [m["id"] for m in others.json()["items"]] == [loose]


async def test_a_signed_link_opens_the_photo_without_a_header_and_only_that_photo(client, signin, anon, demo_round):
    from rectify_shared import clock

    abgq, xlhts = await signin("abgq"), await signin("xlhts")
    photo, other = await upload(abgq), await upload(abgq, PDF, "另一份.pdf")
    r = await abgq.post(f"/api/v1/attachments/{photo}/link", params={"minutes": 5})
    assert r.status_code == 200, r.text
    link = r.json()
    assert link["url"].endswith(link["path"]) and link["path"].startswith(f"/api/v1/attachments/{photo}/signed?token=")

    # a webview's <img src>: no Authorization header, shown in place
    got = await anon.get(link["path"])
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("inline")

    token = link["path"].split("token=")[1]
    # the token names one file; a forged one and a stale one are refused
    assert (await anon.get(f"/api/v1/attachments/{other}/signed", params={"token": token})).status_code == 403
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await anon.get(f"/api/v1/attachments/{photo}/signed", params={"token": forged})).json()["error"][
        "code"
    ] == "link_invalid"
    with clock.offset(1):
        stale = await anon.get(link["path"])
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "link_expired"
    assert "过期" in stale.json()["error"]["message"]

    # nobody gets a link to what it cannot see; minutes are bounded
    assert (await xlhts.post(f"/api/v1/attachments/{photo}/link")).status_code == 404
    assert (await abgq.post(f"/api/v1/attachments/{photo}/link", params={"minutes": 61})).status_code == 422


async def test_the_todo_lists_what_the_unit_must_do_now_and_nothing_else(client, signin, demo_round):
    from datetime import timedelta

    from rectify_shared.timezone import today

    ids = await org_ids(client)
    abgq, clerk, xlhts = await signin("abgq"), await signin("xlgl_zgb"), await signin("xlhts")
    r = await client.post(
        "/api/v1/rounds",
        json={
            "name": "待办轮次",
            "inspection_team": "督察组",
            "target_region": "锡林郭勒盟",
            "org_id": ids["锡林郭勒盟"],
        },
    )
    assert r.status_code == 201, r.text
    round_id = r.json()["id"]
    policy = {"acceptance_levels": ["supervisor", "office"]}
    assert (await client.put(f"/api/v1/rounds/{round_id}/closure-policy", json=policy)).status_code == 200
    day = today()
    issue = await new_issue(client, round_id, ids["阿巴嘎旗"], deadline=(day + timedelta(days=90)).isoformat())
    late = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline=(day - timedelta(days=20)).isoformat())
    soon = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline=(day + timedelta(days=2)).isoformat())
    await new_measure(client, issue["id"], ids["阿巴嘎旗"])  # due with the problem, months away
    await new_measure(client, issue["id"], ids["锡林浩特市"], deadline=(day - timedelta(days=20)).isoformat())

    # a dispatch round it owes, a letter it must answer, an application the league must review
    cutoff = (day + timedelta(days=3)).isoformat()
    period = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
    r = await client.post(
        "/api/v1/dispatch-rounds",
        json={"round_id": round_id, "frequency": "weekly", "period": period, "cutoff": cutoff},
    )
    assert r.status_code == 201, r.text
    dispatch_id = r.json()["id"]
    r = await client.post(
        "/api/v1/escalations", json={"level": "notice", "issue_id": issue["id"], "reason": "措施逾期未完成"}
    )
    assert r.status_code == 201, r.text
    letter = r.json()["id"]
    finished = await new_issue(client, round_id, ids["阿巴嘎旗"], description="已完成的问题")
    assert (await client.patch(f"/api/v1/issues/{finished['id']}", json={"status": "in_progress"})).status_code == 200
    applied = await abgq.post("/api/v1/closures", json={"issue_id": finished["id"], "statement": "已完成。"})
    assert applied.status_code == 201, applied.text
    closure = applied.json()["id"]

    todo = await abgq.get("/api/v1/me/todo", params={"round_id": round_id})
    assert todo.status_code == 200, todo.text
    t = todo.json()
    assert t["org"]["name"] == "阿巴嘎旗" and t["warning_days"] == 5
    assert [o["dispatch_round_id"] for o in t["reports_owed"]["items"]] == [dispatch_id]
    assert t["reports_owed"]["items"][0]["late"] is False
    assert [le["id"] for le in t["letters"]["items"]] == [letter] and t["letters"]["items"][0]["level_text"] == "通报"
    # its open measures overdue or due within five working days; not the far one, not another county's
    assert [m["id"] for m in t["measures"]["items"]] == [late, soon] and t["measures"]["count"] == 2
    assert t["measures"]["items"][0]["overdue"] is True and t["measures"]["items"][0]["days_overdue"] > 0
    # its own application waits on others, not on it
    assert t["closures"] == {"count": 0, "items": []} and t["letters_to_issue"]["count"] == 0

    # the league reviews: the step waits on it (the league's clerk sees it in its to-do)
    steps = (await clerk.get("/api/v1/me/todo")).json()["closures"]["items"]
    assert [(s["closure_id"], s["action"]) for s in steps] == [(closure, "review")]
    assert (await clerk.post(f"/api/v1/closures/{closure}/review", json={"approve": True})).status_code == 200
    steps = (await clerk.get("/api/v1/me/todo")).json()["closures"]["items"]
    assert [(s["closure_id"], s["action"], s["level"]) for s in steps] == [(closure, "accept", 1)]

    # reporting and answering take the items off; limit cuts the page, not the count
    assert (await abgq.post(f"/api/v1/measures/{soon}/progress", json={"text": "本周进展"})).status_code == 201
    assert (
        await abgq.post(f"/api/v1/escalations/{letter}/respond", json={"response": "已制定整改计划。"})
    ).status_code == 200
    t = (await abgq.get("/api/v1/me/todo", params={"round_id": round_id, "limit": 1})).json()
    assert t["reports_owed"]["count"] == 0 and t["letters"]["count"] == 0
    assert len(t["measures"]["items"]) == 1 and t["measures"]["count"] == 2

    # the office reads a unit's to-do; a unit reads only its own
    assert (await client.get("/api/v1/me/todo", params={"org_id": ids["阿巴嘎旗"], "round_id": round_id})).json()[
        "measures"
    ]["count"] == 2
    assert (await xlhts.get("/api/v1/me/todo", params={"org_id": ids["阿巴嘎旗"]})).status_code == 404


async def test_dates_in_bodies_are_bounded_and_the_document_says_so(client, demo_round, app):
    ids = await org_ids(client)
    body = {"round_id": demo_round, "category": "日期", "description": "远期", "lead_org_id": ids["阿巴嘎旗"]}
    r = await client.post("/api/v1/issues", json=body | {"deadline": "2200-01-01"})
    assert r.status_code == 422, r.text
    detail = r.json()["error"]["details"][0]
    assert detail["field"] == "body.deadline" and detail["reason_zh"] == "须小于或等于 2100-12-31"
    r = await client.post("/api/v1/issues", json=body | {"deadline": "1989-12-31"})
    assert r.status_code == 422 and "1990-01-01" in r.json()["error"]["details"][0]["reason_zh"]
    assert (await client.post("/api/v1/issues", json=body | {"deadline": "2100-12-31"})).status_code == 201

    doc = app.openapi()
    deadline = doc["components"]["schemas"]["IssueCreate"]["properties"]["deadline"]["anyOf"][0]
    assert deadline["format"] == "date" and deadline["pattern"].startswith("^(199[0-9]|20[0-9]{2}|2100)")
    publicity = doc["components"]["schemas"]["PublicityBody"]["properties"]["start"]
    assert "pattern" in publicity
