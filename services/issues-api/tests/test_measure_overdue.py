"""Issue 20: one measure's read, and the measures inside a problem's read, say whether it is
overdue and by how many working days, exactly as the measure list does (`as_of` honoured)."""

from .test_screen_views import new_issue, new_measure, org_ids

AS_OF = {"as_of": "2024-10-08"}


async def test_a_measure_read_counts_days_overdue_as_the_measure_list_does(client, signin, demo_round):
    ids = await org_ids(client)
    abgq = await signin("abgq")
    # the problem is due Friday 2024-09-27, before 国庆 (9-29 a make-up working day, 10-1…10-7 off)
    issue = await new_issue(client, demo_round, ids["阿巴嘎旗"], deadline="2024-09-27")
    own = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline="2024-09-30")
    inherits = await new_measure(client, issue["id"], ids["阿巴嘎旗"])  # due with its problem
    done = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline="2024-09-27")
    later = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline="2030-06-28")
    for status in ("in_progress", "completed"):
        assert (await abgq.patch(f"/api/v1/measures/{done}", json={"status": status})).status_code == 200

    async def one(measure: int, **params: str) -> tuple[bool, int | None]:
        r = await abgq.get(f"/api/v1/measures/{measure}", params=params)
        assert r.status_code == 200, r.text
        return r.json()["overdue"], r.json()["days_overdue"]

    # inherits: 9-29, 9-30, 10-8; own (due Monday 9-30): 10-8 only
    expected = {own: (True, 1), inherits: (True, 3), done: (False, None), later: (False, None)}
    assert {m: await one(m, **AS_OF) for m in expected} == expected
    assert await one(inherits, as_of="2024-09-28") == (True, 0)  # a Friday deadline, on Saturday
    assert await one(inherits, as_of="2024-09-27") == (False, None)  # due today: not yet

    listed = await abgq.get("/api/v1/measures", params={"issue_id": issue["id"], **AS_OF})
    detail = await abgq.get(f"/api/v1/issues/{issue['id']}", params=AS_OF)
    assert listed.status_code == 200 and detail.status_code == 200, (listed.text, detail.text)
    in_list = {m["id"]: (m["overdue"], m["days_overdue"]) for m in listed.json()["items"]}
    in_detail = {m["id"]: (m["overdue"], m["days_overdue"]) for m in detail.json()["measures"]}
    assert in_list == in_detail == expected

    # as of the request's day (no as_of): years on; a write answers the same way
    today_own = await one(own)
    assert today_own[0] is True and today_own[1] > 400
    patched = await abgq.patch(f"/api/v1/measures/{own}", json={"status": "in_progress"})
    assert (patched.json()["overdue"], patched.json()["days_overdue"]) == today_own
    bad = await abgq.get(f"/api/v1/measures/{own}", params={"as_of": "2101-01-01"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.as_of"

    # withdrawn: the measure itself, or its problem, is never overdue
    gone = await client.post(f"/api/v1/measures/{inherits}/withdraw", json={"reason": "重复录入"})
    assert gone.status_code == 200 and (gone.json()["overdue"], gone.json()["days_overdue"]) == (False, None)
    assert await one(inherits, **AS_OF) == (False, None)
    assert (await client.post(f"/api/v1/issues/{issue['id']}/withdraw", json={"reason": "重复录入"})).status_code == 200
    assert await one(own, **AS_OF) == (False, None)
