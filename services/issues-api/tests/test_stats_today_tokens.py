"""`GET /stats/issues` for today reads nothing but its two change tokens while nothing it is made of
has changed (`stats.tally.read`: `stats_tally_version`, and `stats_issue_inputs_version`, renewed by
triggers on `issue_org`, `indicator` and `indicator_value`), and after every kind of write a user
makes — a responsible org added or removed, a status change, a deadline extended, an indicator
value that flips 达到序时进度, an org renamed, a new day — its next answer equals a full recount
(`stats.router.recount`), for the office, a leader over the league and a county's unit operator
(who see a problem led from outside through a responsible org), for one round and all."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from issues_api.auth.principal import Role, Scope
from issues_api.stats import router as stats_router
from issues_api.stats.schemas import DeadlineStats, ScheduleCounts
from rectify_shared.models import UserAccount
from rectify_shared.timezone import today

#: tables whose rows a kept answer does not read again
ROWS = ("stats_issue_tally", "stats_issue_key", "stats_issue_due", "indicator", "issue_org", "org ")


def _normal_answer(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": {s: n for s, n in a["by_status"].items() if n},
        "categories": {(c["category"], s): n for c in a["by_category"] for s, n in c["by_status"].items() if n},
        "orgs": {(o["org_id"], o["org_name"], s): n for o in a["by_org"] for s, n in o["by_status"].items() if n},
        "deadlines": DeadlineStats(**a["deadlines"]).model_dump(),
        "schedule": ScheduleCounts(**a["in_progress_schedule"]).model_dump(),
    }


def _normal_recount(data: dict[str, Any], deadlines: Any, schedule: Any) -> dict[str, Any]:
    status: dict[str, int] = {}
    for s, _flag, n in data["by_status"]:
        status[str(s)] = status.get(str(s), 0) + n
    cats: dict[tuple[str, str], int] = {}
    for c, s, n, _seq in data["by_category"]:
        cats[(c, str(s))] = cats.get((c, str(s)), 0) + n
    orgs: dict[tuple[int, str, str], int] = {}
    for o, name, _path, s, n in data["by_org"]:
        orgs[(o, name, str(s))] = orgs.get((o, name, str(s)), 0) + n
    strip = lambda d: {k: v for k, v in d.items() if v}  # noqa: E731
    return {"status": strip(status), "categories": strip(cats), "orgs": strip(orgs),
            "deadlines": deadlines.model_dump(), "schedule": schedule.model_dump()}  # fmt: skip


class Checker:
    def __init__(self, app: Any, round_id: int, clients: dict[str, Any], scopes: dict[str, Scope]) -> None:
        self.app, self.round_id, self.clients, self.scopes = app, round_id, clients, scopes
        self.statements: list[str] = []
        event.listen(app.state.rectify.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    async def check(self) -> dict[tuple[str, int | None], dict[str, Any]]:
        """Each caller's answers: the one after the write equals a recount, and the next one, with
        nothing written between, is the same and reads no row but the tokens."""
        out = {}
        for name, c in self.clients.items():
            for round_id in (self.round_id, None):
                path = "/api/v1/stats/issues" + (f"?round_id={round_id}" if round_id else "")
                first = await c.get(path)
                assert first.status_code == 200, first.text
                self.statements.clear()
                again = await c.get(path)
                assert again.content == first.content
                read = [s for s in self.statements if any(f"FROM {t}" in s or f"JOIN {t}" in s for t in ROWS)]
                assert read == [], f"{name} {round_id}: nothing changed, yet read {read}"
                async with self.app.state.rectify.read_sessions() as s:
                    recounted = await stats_router.recount(s, round_id, None, self.scopes[name])
                got, want = _normal_answer(first.json()), _normal_recount(*recounted)
                differ = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
                assert differ == {}, f"{name} round {round_id}: answered, recounted {differ}"
                out[(name, round_id)] = first.json()
        return out


async def _scopes(app: Any, usernames: list[str]) -> dict[str, Scope]:
    async with app.state.rectify.read_sessions() as s:
        rows = (await s.execute(select(UserAccount.username, UserAccount.org_path, UserAccount.role))).all()
    users = {u: (path, role) for u, path, role in rows}
    return {u: Scope(users[u][0], exact=users[u][1] == Role.unit_operator) for u in usernames}


async def test_todays_figures_follow_every_write_and_read_only_tokens_between(
    app, client, signin, demo_round, monkeypatch
):
    clients = {"admin": client, "leader": await signin("leader"), "abgq": await signin("abgq")}
    checker = Checker(app, demo_round, clients, await _scopes(app, list(clients)))
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    county, region = orgs["阿巴嘎旗"], orgs["内蒙古自治区"]
    first = await checker.check()

    # a problem led by the region: the league's leader and the county see it only once the county answers for it
    body = {"round_id": demo_round, "category": "测试方面", "description": "外部牵头的问题",
            "lead_org_id": region["id"], "deadline": today().isoformat()}  # fmt: skip
    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    issue_id = r.json()["id"]
    created = await checker.check()
    assert created[("leader", demo_round)]["total"] == first[("leader", demo_round)]["total"]

    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"responsible_org_ids": [county["id"]]})
    assert r.status_code == 200, r.text
    responsible = await checker.check()
    for who in ("leader", "abgq"):
        assert responsible[(who, demo_round)]["total"] == created[(who, demo_round)]["total"] + 1

    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"status": "in_progress"})).status_code == 200
    moved = await checker.check()
    in_progress = responsible[("abgq", None)]["by_status"]["in_progress"]
    assert moved[("abgq", None)]["by_status"]["in_progress"] == in_progress + 1

    # a new day: the deadline of today has passed
    tomorrow = today() + timedelta(days=1)
    monkeypatch.setattr(stats_router, "today", lambda: tomorrow)
    next_day = await checker.check()
    overdue = next_day[("leader", demo_round)]["deadlines"]["overdue"]
    assert overdue == moved[("leader", demo_round)]["deadlines"]["overdue"] + 1
    monkeypatch.setattr(stats_router, "today", today)

    later = (today() + timedelta(days=30)).isoformat()
    assert (await client.patch(f"/api/v1/issues/{issue_id}", json={"deadline": later})).status_code == 200
    await checker.check()

    # an indicator on the problem in progress, then a value that judges it
    start = today() - timedelta(days=60)
    r = await client.post(
        "/api/v1/indicators",
        json={"name": "治理面积", "unit": "公顷", "kind": "cumulative", "direction": "higher", "baseline": "0",
              "baseline_date": start.isoformat(), "target": "100",
              "target_date": (today() + timedelta(days=60)).isoformat(), "frequency": "irregular",
              "org_id": county["id"], "round_id": demo_round, "issue_id": issue_id},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    before_value = await checker.check()
    period = f"{(today() - timedelta(days=40)).isoformat()}/{(today() - timedelta(days=1)).isoformat()}"
    r = await client.post(
        f"/api/v1/indicators/{r.json()['id']}/values", json={"period": period, "value": "90", "org_id": county["id"]}
    )
    assert r.status_code in (200, 201), r.text
    judged = await checker.check()
    for who in ("admin", "leader", "abgq"):
        key = (who, demo_round)
        assert judged[key]["in_progress_schedule"] != before_value[key]["in_progress_schedule"], who

    r = await client.patch(f"/api/v1/orgs/{region['id']}", json={"name": "内蒙古自治区（更名）"})
    assert r.status_code == 200, r.text
    renamed = await checker.check()
    names = {o["org_id"]: o["org_name"] for o in renamed[("abgq", demo_round)]["by_org"]}
    assert names[region["id"]] == "内蒙古自治区（更名）"

    r = await client.patch(f"/api/v1/issues/{issue_id}", json={"responsible_org_ids": []})
    assert r.status_code == 200, r.text
    removed = await checker.check()
    assert removed[("abgq", demo_round)]["total"] == renamed[("abgq", demo_round)]["total"] - 1


@pytest.mark.parametrize("table", ["issue_org", "indicator", "indicator_value"])
async def test_a_write_to_an_input_renews_its_rounds_token(app, client, demo_round, table):
    """The triggers: any writer (here raw SQL, as a bulk load or a Core write would) renews the token
    of the round of the problem concerned, in its own transaction."""
    from sqlalchemy import text

    engine = app.state.rectify.engine
    read = text("SELECT token FROM stats_issue_inputs_version WHERE round_id = :r")
    async with engine.connect() as conn:
        before = (await conn.execute(read, {"r": demo_round})).scalar()
    async with engine.begin() as conn:
        if table == "issue_org":
            await conn.execute(text("DELETE FROM issue_org WHERE role = 'responsible' AND issue_id = "
                                    "(SELECT min(issue_id) FROM issue_org WHERE role = 'responsible')"))  # fmt: skip
        elif table == "indicator":
            await conn.execute(text("UPDATE indicator SET target = target WHERE issue_id IS NOT NULL"))
        else:
            judged = "SELECT min(v.id) FROM indicator_value v JOIN indicator d ON d.id = v.indicator_id"
            await conn.execute(text(f"DELETE FROM indicator_value WHERE id = ({judged} WHERE d.issue_id IS NOT NULL)"))
        during = (await conn.execute(read, {"r": demo_round})).scalar()
        assert during is not None and during != before
    async with engine.connect() as conn:
        assert (await conn.execute(read, {"r": demo_round})).scalar() == during
