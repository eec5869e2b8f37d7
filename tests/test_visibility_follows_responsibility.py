"""Issue 18, seen #2: what an org is asked to do, it can see.

Over a generated org tree (seeded, so a failure replays) under the demo league, the office
creates problems whose measures are assigned at random — often to an org that is neither the
problem's lead nor one of its responsible orgs — lets their deadlines pass, opens a dispatch
round and runs the escalation scan through its public entry point. Then every escalation and
every dispatch obligation addressed to an org, and every inbox message the notifier then writes
to its people (from the scan's and the ledger's events), must refer to objects that org's own
people can read through the API: a leaf unit's operator (its exact org), or a parent's leader (its subtree).
"""

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from notifier.escalation.scan import run_scan
from notifier.events import handle_event
from notifier.reconcile import envelope
from rectify_shared import clock
from rectify_shared.models import DispatchObligation, Escalation, InboxMessage, OutboxEvent, UserAccount

SEED = 18
PASSWORD = "Rectify-user-2026"  # conftest.NEW_USER_PASSWORD


async def _tree(client: Any, rng: random.Random, league: int, size: int) -> tuple[list[int], dict[int, int]]:
    """`size` orgs under the league: counties, and departments under a county or another department."""
    made: list[int] = []
    parent_of: dict[int, int] = {}
    for n in range(size):
        parent = rng.choice([league, league, *made])
        kind = "county" if parent == league else "department"
        r = await client.post("/api/v1/orgs", json={"name": f"生成单位{n:02d}", "kind": kind, "parent_id": parent})
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])
        parent_of[made[-1]] = parent
    return made, parent_of


async def _accounts(app: Any, helpers: Any, client: Any, orgs: list[int], parent_of: dict[int, int]) -> dict[int, str]:
    """One account per org: an operator for a leaf, a leader (who reads the subtree) for a parent."""
    parents = set(parent_of.values())
    names: dict[int, str] = {}
    for org in orgs:
        username = f"gen{org}"
        role = "leader" if org in parents else "unit_operator"
        await (await helpers.new_user(app, client, username, org, role, PASSWORD)).aclose()
        names[org] = username
    return names


async def test_every_letter_and_obligation_refers_to_what_its_org_can_read(app, client, signin, helpers, demo_round):
    rng = random.Random(SEED)
    league = next(
        o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"] if o["name"] == "锡林郭勒盟"
    )
    orgs, parent_of = await _tree(client, rng, league, 10)
    accounts = await _accounts(app, helpers, client, orgs, parent_of)

    past = clock.today() - timedelta(days=45)
    unlinked_measures = 0
    for n in range(6):
        lead = rng.choice(orgs)
        responsible = rng.sample([o for o in orgs if o != lead], k=rng.randint(0, 2))
        body = {
            "round_id": demo_round,
            "category": "生成的问题",
            "description": f"生成的问题{n}",
            "lead_org_id": lead,
            "responsible_org_ids": responsible,
            "deadline": past.isoformat(),
        }
        issue = (await client.post("/api/v1/issues", json=body)).json()
        r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"status": "in_progress"})
        assert r.status_code == 200, r.text
        for k in range(rng.randint(1, 3)):
            org = rng.choice([*orgs, None])
            unlinked_measures += org is not None and org not in (lead, *responsible)
            body = {"text": f"措施{k}", "responsible_org_id": org, "deadline": past.isoformat()}
            assert (await client.post(f"/api/v1/issues/{issue['id']}/measures", json=body)).status_code == 201
    assert unlinked_measures, "the seed must assign some measure outside the problem's orgs"

    body = {"round_id": demo_round, "frequency": "weekly", "period": "2030-W03", "cutoff": "2030-01-18"}
    assert (await client.post("/api/v1/dispatch-rounds", json=body)).status_code == 201
    await run_scan(app.state.rectify.write_sessions, clock.today())
    async with app.state.rectify.read_sessions() as s:
        events = (
            await s.execute(
                select(OutboxEvent).where(
                    OutboxEvent.event_type.like("escalation.%") | (OutboxEvent.event_type == "issue.status_changed")
                )
            )
        ).scalars()
        envelopes = [envelope(e) for e in events]
    for e in envelopes:  # what the notifier does with each event the relay hands it
        await handle_event({"write_sessions": app.state.rectify.write_sessions}, e.model_dump(mode="json"))

    async with app.state.rectify.read_sessions() as s:
        letters = (
            await s.execute(
                select(
                    Escalation.addressed_org_id,
                    Escalation.issue_id,
                    Escalation.measure_id,
                    Escalation.dispatch_round_id,
                ).where(Escalation.addressed_org_id.in_(orgs))
            )
        ).all()
        owed = (
            await s.execute(
                select(DispatchObligation.org_id, DispatchObligation.dispatch_round_id).where(
                    DispatchObligation.org_id.in_(orgs)
                )
            )
        ).all()
        messages = (
            await s.execute(
                select(UserAccount.org_id, InboxMessage.link)
                .join(UserAccount, UserAccount.id == InboxMessage.user_id)
                .where(UserAccount.org_id.in_(orgs), InboxMessage.link.is_not(None))
            )
        ).all()
    assert letters and owed and messages
    callers: dict[int, Any] = {}

    async def caller(org: int) -> Any:
        if org not in callers:
            callers[org] = await signin(accounts[org], PASSWORD)
        return callers[org]

    unreadable: list[str] = []
    for org, issue_id, measure_id, dispatch_id in letters:
        c = await caller(org)
        for url in (
            f"/api/v1/issues/{issue_id}" if issue_id else None,
            f"/api/v1/measures/{measure_id}" if measure_id else None,
            f"/api/v1/dispatch-rounds/{dispatch_id}" if dispatch_id else None,
        ):
            if url and (await c.get(url)).status_code != 200:
                unreadable.append(f"escalation to org {org}: {url}")
    for org, dispatch_id in owed:
        c = await caller(org)
        if (await c.get(f"/api/v1/dispatch-rounds/{dispatch_id}")).status_code != 200:
            unreadable.append(f"obligation of org {org}: dispatch round {dispatch_id}")
        listed = (await c.get(f"/api/v1/issues?round_id={demo_round}&status=in_progress&limit=200")).json()
        if not listed["items"]:
            unreadable.append(f"obligation of org {org}: no open problem it can read")
    for org, link in messages:
        if (await (await caller(org)).get(f"/api/v1{link}")).status_code != 200:
            unreadable.append(f"inbox message to org {org}: {link}")
    assert not unreadable, unreadable
