"""The demo round carries closures: one task written off after a 10-working-day notice, and one
whose notice is running today, shown on the public notice pages."""

from datetime import date

from rectify_shared.timezone import today


async def closure_of(client, demo_round: int, seq: int) -> dict:
    issues = (await client.get(f"/api/v1/issues?round_id={demo_round}&limit=200")).json()["items"]
    issue_id = next(i["id"] for i in issues if i["seq"] == seq)
    listed = (await client.get("/api/v1/closures?limit=200")).json()["items"]
    cid = next(c["id"] for c in listed if c["issue_id"] == issue_id)
    r = await client.get(f"/api/v1/closures/{cid}")
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_demo_task_went_through_two_levels_and_a_working_day_notice_to_write_off(client, demo_round):
    closure = await closure_of(client, demo_round, 8)
    assert closure["state"] == "written_off"
    assert [s["action"] for s in closure["steps"]] == ["apply", "review", "accept", "accept", "publicity", "writeoff"]
    assert [(lv["org"]["name"], lv["accepted_by"]) for lv in closure["levels"]] == [
        ("锡林郭勒盟住房和城乡建设局", "xlgl_zjj"),
        ("锡林郭勒盟", "admin"),
    ]
    # 3/24 … 4/3 is 9 working days; 4/4–4/6 is 清明 (Qingming); the 10th is 4/7
    assert closure["publicity"]["start"] == "2025-03-24" and closure["publicity"]["end"] == "2025-04-07"
    assert closure["publicity"]["days"] == 10 and closure["publicity"]["day_kind"] == "working"
    issue = (await client.get(f"/api/v1/issues/{closure['issue_id']}")).json()
    assert issue["status"] == "closed"


async def test_a_demo_notice_is_running_and_public(client, anon, demo_round):
    closure = await closure_of(client, demo_round, 11)
    assert closure["state"] == "in_publicity" and [lv["accepted_by"] for lv in closure["levels"]] == [
        "xlgl_sthjj",
        "admin",
    ]
    notices = (await anon.get("/public/notices")).json()["items"]
    [notice] = [n for n in notices if n["id"] == closure["id"]]
    start, end = date.fromisoformat(notice["start"]), date.fromisoformat(notice["end"])
    assert start <= today() <= end and notice["days"] == 10
    assert notice["issue_seq"] == 11 and "阿巴嘎旗" in "".join(notice["responsible_orgs"])
    # the written-off task's notice is over: not public any more
    written_off = await closure_of(client, demo_round, 8)
    assert (await anon.get(f"/public/notices/{written_off['id']}")).status_code == 404
