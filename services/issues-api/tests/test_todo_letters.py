"""The to-do's letter sections: due first, undated last, then id; the count covers them all
whatever the page's limit (issue 22: the page and the count are read separately)."""

from datetime import date, timedelta

from sqlalchemy import select

from rectify_shared.models import Escalation, Issue, Org


async def _letters(app, issue_seq: int, specs: list[tuple[str, date | None]], to: str | None = None) -> list[int]:
    """Escalations as the notifier's scan (proposed) or the office (issued) would leave them, with
    their response due day; addressed to the problem's lead org, or to `to`."""
    ids = []
    async with app.state.rectify.write_sessions() as s:
        issue = (await s.execute(select(Issue).where(Issue.seq == issue_seq))).scalar_one()
        org = await s.get(Org, issue.lead_org_id)
        addressed = (await s.execute(select(Org).where(Org.name == to))).scalar_one() if to else org
        for n, (state, due) in enumerate(specs):
            e = Escalation(
                round_id=issue.round_id,
                level="warning",
                rule="test",
                dedupe_key=f"todo-letters:{issue.id}:{n}:{state}",
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
            await s.flush()
            ids.append(e.id)
        await s.commit()
    return ids


def _order(letters: list[tuple[int, date | None]]) -> list[int]:
    return [i for i, due in sorted(letters, key=lambda x: (x[1] is None, x[1] or date.min, x[0]))]


async def test_letters_come_due_first_undated_last_and_are_all_counted(app, client, signin, demo_round):
    d = date(2024, 12, 20)
    days = [d + timedelta(days=5), None, d, d + timedelta(days=5), None, d - timedelta(days=3)]
    proposed = await _letters(app, 9, [("proposed", due) for due in days])
    issued = await _letters(app, 9, [("issued", d), ("resolved", d - timedelta(days=9))])

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
