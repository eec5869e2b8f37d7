"""`GET /me/todo`, the problem reads and the measure list keep the work calendar in the process
(issue 20: one indexed token row per request instead of every calendar row; the measure list reads
the token with its page), and never serve a stale one: a
calendar written through another API instance (another replica, whose cache this process never
saw) or behind the API in SQL is counted by the very next read."""

from typing import Any

from sqlalchemy import text

from rectify_shared import calendar_store
from rectify_shared.calendar_store import package_data

from .test_screen_views import new_issue, new_measure, org_ids

AS_OF = {"as_of": "2024-10-08"}


def year_2024_with(extra_holiday: str) -> dict[str, Any]:
    """The package's 2024 (国庆: 9-29 a make-up working day, 10-1 … 10-7 off) plus one more holiday."""
    data = package_data()[2024]
    holidays = [{"date": d.isoformat(), "name": n} for d, n in sorted(data.holidays.items())]
    holidays.append({"date": extra_holiday, "name": "测试假日"})
    makeup = [{"date": d.isoformat(), "name": n} for d, n in sorted(data.makeup_workdays.items())]
    return {"holidays": holidays, "makeup_workdays": makeup}


async def test_a_calendar_change_made_elsewhere_is_counted_by_the_next_todo(client, signin, app, settings, helpers):
    from issues_api.main import create_app

    ids = await org_ids(client)
    abgq = await signin("abgq")
    r = await client.post(
        "/api/v1/rounds",
        json={
            "name": "日历缓存轮次",
            "inspection_team": "督察组",
            "target_region": "锡林郭勒盟",
            "org_id": ids["锡林郭勒盟"],
        },
    )
    assert r.status_code == 201, r.text
    round_id = r.json()["id"]
    # due Friday 2024-09-27; on 10-08 three working days late: 9-29 (make-up), 9-30, 10-8
    issue = await new_issue(client, round_id, ids["阿巴嘎旗"], deadline="2024-09-27")
    measure = await new_measure(client, issue["id"], ids["阿巴嘎旗"], deadline="2024-09-27")

    async def counted() -> tuple[int | None, int | None, int | None]:
        todo = await abgq.get("/api/v1/me/todo", params={"round_id": round_id, **AS_OF})
        assert todo.status_code == 200, todo.text
        items = {m["id"]: m["days_overdue"] for m in todo.json()["measures"]["items"]}
        detail = await abgq.get(f"/api/v1/issues/{issue['id']}", params=AS_OF)  # the fast path's read
        assert detail.status_code == 200, detail.text
        # the measure list: the calendar's token read with its page (`measure_list.calendar_of`)
        listed = await abgq.get("/api/v1/measures", params={"round_id": round_id, "overdue": "true", **AS_OF})
        assert listed.status_code == 200, listed.text
        assert [m["id"] for m in listed.json()["items"]] == [measure]
        return items.get(measure), detail.json()["days_overdue"], listed.json()["items"][0]["days_overdue"]

    assert await counted() == (3, 3, 3)
    assert await counted() == (3, 3, 3)  # served from the cache: the same answer

    # another replica: a second app instance on the same database, whose reads this process's
    # cache does not share (put back as it was before the write)
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        office = await helpers.login(other, "admin", helpers.ADMIN_PASSWORD)
        try:
            before = dict(calendar_store._CACHE)
            assert before, "the to-do read left a cached calendar"
            put = await office.put("/api/v1/calendar/years/2024", json=year_2024_with("2024-09-30"))
            assert put.status_code == 200, put.text
            calendar_store._CACHE.clear()
            calendar_store._CACHE.update(before)
        finally:
            await office.aclose()

    assert await counted() == (2, 2, 2)  # 9-30 is now a holiday: 9-29 and 10-8

    # behind the API, by hand in SQL: the triggers change the token all the same
    async with app.state.rectify.engine.begin() as conn:
        await conn.execute(text("DELETE FROM calendar_day WHERE day = '2024-09-30'"))
    assert await counted() == (3, 3, 3)
