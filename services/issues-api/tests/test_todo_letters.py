"""The to-do's letter sections: due first, undated last, then id; the count covers them all
whatever the page's limit (issue 22: the page and the count are read separately)."""

from datetime import date, timedelta

from .test_dispatch_and_escalation_acts import _escalation


def _order(letters: list[tuple[int, date | None]]) -> list[int]:
    return [i for i, due in sorted(letters, key=lambda x: (x[1] is None, x[1] or date.min, x[0]))]


async def test_letters_come_due_first_undated_last_and_are_all_counted(app, client, signin, demo_round):
    d = date(2024, 12, 20)
    days = [d + timedelta(days=5), None, d, d + timedelta(days=5), None, d - timedelta(days=3)]
    proposed = [await _escalation(app, 9, state="proposed", due=due, n=n + 1) for n, due in enumerate(days)]
    issued = [await _escalation(app, 9, state=s, due=d) for s in ("issued", "resolved")]

    full = (await client.get("/api/v1/me/todo", params={"limit": 50})).json()["letters_to_issue"]
    assert [le["id"] for le in full["items"]] == _order(list(zip(proposed, days, strict=True)))
    assert full["count"] == len(proposed) and not {le["id"] for le in full["items"]} & set(issued)
    assert [le["response_due"] for le in full["items"]][-2:] == [None, None]
    short = (await client.get("/api/v1/me/todo", params={"limit": 2})).json()["letters_to_issue"]
    assert short["count"] == len(proposed) and short["items"] == full["items"][:2]

    # the unit the letters are addressed to: only the issued one awaits its answer
    unit = await signin("xlgl_zjj")
    mine = (await unit.get("/api/v1/me/todo", params={"limit": 1})).json()
    assert mine["letters"]["count"] == 1 and [le["id"] for le in mine["letters"]["items"]] == issued[:1]
    assert mine["letters_to_issue"] == {"count": 0, "items": []}
