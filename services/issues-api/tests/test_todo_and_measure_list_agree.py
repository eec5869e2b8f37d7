"""Issue 22: the to-do and the measure list read through statements built once (the measure list's
page, on PostgreSQL, merges three parts each in its own index order: measures with their own
deadline, those due with their problem, undated ones). What a person sees must not change:

- every page of the measure list, walked by its cursor, gives each measure once, due first
  (undated last), then id, with or without a filter, as one sorted read of everything would;
- a to-do section's count is the number of items a large enough page lists, and the measures
  section's count is the measure list's `total` for the same filter;
- a to-do measure's and an overdue-list measure's `overdue` and `days_overdue` are the measure
  read's own.
"""

from datetime import date, timedelta
from typing import Any

from rectify_shared.timezone import today

from .test_screen_views import new_issue, new_measure, org_ids

AS_OF = "2024-10-08"
FAR = "9999-12-31"


async def _walk(c: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every measure of the list, page by page (one a page: every page boundary is crossed)."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = await c.get("/api/v1/measures", params={**params, "limit": 1, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        out += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return out


async def test_the_measure_list_walks_every_measure_once_in_due_order(client, demo_round):
    ids = await org_ids(client)
    unit = ids["阿巴嘎旗"]
    dated = await new_issue(client, demo_round, unit, deadline="2024-09-27")
    undated = await new_issue(client, demo_round, unit)
    made = [
        await new_measure(client, dated["id"], unit, deadline="2024-09-30"),
        await new_measure(client, dated["id"], unit),  # due with its problem: 2024-09-27
        await new_measure(client, dated["id"], unit, deadline="2024-09-27"),  # the same day: by id
        await new_measure(client, dated["id"], unit, deadline="2030-06-28"),
        await new_measure(client, undated["id"], unit),  # undated: last
        await new_measure(client, undated["id"], unit, deadline="2024-09-01"),
        await new_measure(client, undated["id"], unit),
    ]
    for params in (
        {"as_of": AS_OF},
        {"as_of": AS_OF, "overdue": "true"},
        {"as_of": AS_OF, "overdue": "false"},
        {"as_of": AS_OF, "due_before": "2024-09-30"},
        {"as_of": AS_OF, "responsible_org_id": unit, "status": ["not_started", "in_progress"]},
    ):
        walked = await _walk(client, params)
        every = (await client.get("/api/v1/measures", params={**params, "limit": 200, "with_total": "true"})).json()
        assert [m["id"] for m in walked] == [m["id"] for m in every["items"]], params
        assert len(walked) == every["total"] == len({m["id"] for m in walked}), params
        keys = [(m["due"] or FAR, m["id"]) for m in walked]
        assert keys == sorted(keys), params
        mine = [m["id"] for m in walked if m["id"] in made]
        expected = sorted((m for m in every["items"] if m["id"] in made), key=lambda m: (m["due"] or FAR, m["id"]))
        assert mine == [m["id"] for m in expected], params
    overdue = await _walk(client, {"as_of": AS_OF, "overdue": "true"})
    assert {made[0], made[1], made[2], made[5]} <= {m["id"] for m in overdue}
    assert not {made[3], made[4], made[6]} & {m["id"] for m in overdue}


async def test_todo_counts_are_the_items_and_overdue_is_the_measure_reads(client, signin, demo_round):
    ids = await org_ids(client)
    unit = ids["阿巴嘎旗"]
    abgq = await signin("abgq")
    day = today()
    issue = await new_issue(client, demo_round, unit, deadline=(day - timedelta(days=40)).isoformat())
    for offset in (-30, -30, -9, -1, 0, 2, 3, 60):
        await new_measure(client, issue["id"], unit, deadline=(day + timedelta(days=offset)).isoformat())
    await new_measure(client, issue["id"], unit)  # due with its problem: long overdue
    done = await new_measure(client, issue["id"], unit, deadline=(day - timedelta(days=5)).isoformat())
    for status in ("in_progress", "completed"):
        assert (await abgq.patch(f"/api/v1/measures/{done}", json={"status": status})).status_code == 200

    full = (await abgq.get("/api/v1/me/todo", params={"limit": 50})).json()
    for section in ("reports_owed", "letters", "closures", "measures", "letters_to_issue"):
        assert full[section]["count"] == len(full[section]["items"]), section
    short = (await abgq.get("/api/v1/me/todo", params={"limit": 2})).json()
    for section in ("reports_owed", "letters", "closures", "measures", "letters_to_issue"):
        assert short[section]["count"] == full[section]["count"], section
        assert short[section]["items"] == full[section]["items"][:2], section

    measures = full["measures"]["items"]
    assert done not in {m["id"] for m in measures} and len(measures) >= 7
    assert [(m["due"], m["id"]) for m in measures] == sorted((m["due"], m["id"]) for m in measures)
    # the same filter through the measure list: open, this org's, due before the warning horizon
    horizon = date.fromisoformat(max(m["due"] for m in measures))
    listed = await abgq.get(
        "/api/v1/measures",
        params={
            "responsible_org_id": unit,
            "status": ["not_started", "in_progress"],
            "due_before": (horizon + timedelta(days=1)).isoformat(),
            "with_total": "true",
            "limit": 200,
        },
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == full["measures"]["count"]
    assert [m["id"] for m in listed.json()["items"]] == [m["id"] for m in measures]

    overdue = (await abgq.get("/api/v1/measures", params={"overdue": "true", "limit": 200})).json()["items"]
    assert overdue and all(m["overdue"] for m in overdue)
    for m in measures + overdue:
        read = (await abgq.get(f"/api/v1/measures/{m['id']}")).json()
        assert (m["overdue"], m["days_overdue"], m["status"]) == (read["overdue"], read["days_overdue"], read["status"])
