"""Issue 22: the measure list's `overdue=true` reads a stored due day (`measure.due`, kept by the
database with every write, migration 20261212_41_measure_due). What a user sees must not change:
after a problem's deadline moves, a measure's own deadline is set or cleared, a measure is closed,
reopened or withdrawn, the overdue list is the unfiltered list's overdue measures, in the same order,
page by page."""

from typing import Any

from sqlalchemy import text

from .test_screen_views import new_issue, new_measure, org_ids

AS_OF = "2024-10-08"


async def _all(c: Any, **params: Any) -> list[dict[str, Any]]:
    """Every page of the measure list (a small page: the cursor is walked too)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = {**params, "as_of": AS_OF, "limit": 7} | ({"cursor": cursor} if cursor else {})
        r = await c.get("/api/v1/measures", params=q)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


async def _agree(c: Any, **params: Any) -> list[int]:
    """The overdue list equals the unfiltered list's overdue measures (the answer, not just ids),
    and its total says as many; its ids."""
    every = await _all(c, **params)
    overdue = await _all(c, overdue="true", **params)
    assert overdue == [m for m in every if m["overdue"]]
    total = await c.get("/api/v1/measures", params={**params, "overdue": "true", "as_of": AS_OF, "with_total": "true"})
    assert total.json()["total"] == len(overdue)
    return [m["id"] for m in overdue]


async def _stored_due_is_the_deadline_in_force(app: Any) -> None:
    async with app.state.rectify.engine.connect() as conn:
        wrong = await conn.execute(
            text(
                "SELECT m.id FROM measure m JOIN issue i ON i.id = m.issue_id "
                "WHERE m.due IS NULL AND COALESCE(m.deadline, i.deadline) IS NOT NULL "
                "OR m.due <> COALESCE(m.deadline, i.deadline)"
            )
        )
        assert wrong.all() == []


async def test_the_overdue_list_follows_every_deadline_write(app, client, demo_round):
    ids = await org_ids(client)
    org = ids["阿巴嘎旗"]
    early = await new_issue(client, demo_round, org, deadline="2024-09-27")
    late = await new_issue(client, demo_round, org, deadline="2030-06-28")
    undated = await new_issue(client, demo_round, org)
    inherits_early = await new_measure(client, early["id"], org)
    own_early = await new_measure(client, late["id"], org, deadline="2024-09-02")
    inherits_late = await new_measure(client, late["id"], org)
    inherits_none = await new_measure(client, undated["id"], org)
    await _stored_due_is_the_deadline_in_force(app)
    mine = {inherits_early, own_early, inherits_late, inherits_none}

    def ours(listed: list[int]) -> list[int]:
        return [m for m in listed if m in mine]

    assert ours(await _agree(client, round_id=demo_round)) == [own_early, inherits_early]

    # a problem's deadline moves: its measures without their own move with it (earlier: first)
    moved = {"deadline": "2024-08-30", "deadline_reason": "按整改方案调整"}
    assert (await client.patch(f"/api/v1/issues/{late['id']}", json=moved)).status_code == 200
    moved = {"deadline": "2024-09-20", "deadline_reason": "按整改方案调整"}
    assert (await client.patch(f"/api/v1/issues/{undated['id']}", json=moved)).status_code == 200
    await _stored_due_is_the_deadline_in_force(app)
    assert ours(await _agree(client, round_id=demo_round)) == [inherits_late, own_early, inherits_none, inherits_early]

    # a measure's own deadline set (later than its problem's: no longer overdue), then cleared
    later = {"deadline": "2031-01-31", "deadline_reason": "按整改方案调整"}
    assert (await client.patch(f"/api/v1/measures/{inherits_early}", json=later)).status_code == 200
    await _stored_due_is_the_deadline_in_force(app)
    assert ours(await _agree(client, issue_id=early["id"])) == []
    cleared = {"deadline": None, "deadline_reason": "按整改方案调整"}
    r = await client.patch(f"/api/v1/measures/{inherits_early}", json=cleared)
    assert r.status_code == 200, r.text
    await _stored_due_is_the_deadline_in_force(app)
    assert ours(await _agree(client, issue_id=early["id"])) == [inherits_early]

    # closed, reopened, waived, withdrawn: out of the list and back as the status says
    for status, listed in (("completed", []), ("in_progress", [own_early])):
        r = await client.patch(f"/api/v1/measures/{own_early}", json={"status": status, "reason": "复查"})
        assert r.status_code == 200, r.text
        assert ours(await _agree(client, issue_id=late["id"])) == [inherits_late, *listed]
    withdrawn = await client.post(f"/api/v1/measures/{inherits_late}/withdraw", json={"reason": "重复录入"})
    assert withdrawn.status_code == 200
    assert ours(await _agree(client, issue_id=late["id"])) == [own_early]
    assert (await client.post(f"/api/v1/issues/{late['id']}/withdraw", json={"reason": "重复录入"})).status_code == 200
    assert ours(await _agree(client, round_id=demo_round)) == [inherits_none, inherits_early]
