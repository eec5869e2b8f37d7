"""Petition cases (信访举报件): batches, cases, their state rules, scope, filters and statistics."""

from datetime import date, timedelta
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select

from issues_api.petitions import stats as petition_stats
from rectify_shared.db import make_engine
from rectify_shared.models import StatsPetitionVersion


def demo_petitions() -> dict:
    text = resources.files("issues_api.demo").joinpath("xilinguole_petitions.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


async def org_ids(client) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def all_cases(client, query: str = "") -> list[dict]:
    items, cursor = [], None
    while True:
        url = f"/api/v1/petition-cases?limit=40{query}" + (f"&cursor={cursor}" if cursor else "")
        r = await client.get(url)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def new_batch(client, round_id: int, batch_no: int = 101, transferred_at: str = "2025-09-26", **kw) -> dict:
    body = {"round_id": round_id, "batch_no": batch_no, "transferred_at": transferred_at, **kw}
    r = await client.post("/api/v1/petition-batches", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def new_case(client, batch_id: int, locality: int, intake: str = "D3NM202509260001", **kw) -> dict:
    body = {
        "batch_id": batch_id,
        "intake_no": intake,
        "content": "反映某料场扬尘污染。",
        "locality_org_id": locality,
        **kw,
    }
    r = await client.post("/api/v1/petition-cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_demo_round_has_29_batches_and_91_certified_closed_cases(client, demo_round):
    data = demo_petitions()
    batches = (await client.get(f"/api/v1/petition-batches?round_id={demo_round}&limit=200")).json()["items"]
    assert [b["batch_no"] for b in batches] == list(range(1, 30))
    assert sum(b["case_count"] for b in batches) == 91 == sum(len(b["cases"]) for b in data["batches"])
    cases = await all_cases(client, f"&round_id={demo_round}")
    assert len(cases) == 91
    assert {c["state"] for c in cases} == {"closed"} and all(c["certified_by"] and c["certified_at"] for c in cases)
    assert all("content" in c["illustrative"] for c in cases)

    stats = (await client.get(f"/api/v1/stats/petitions?round_id={demo_round}")).json()
    assert stats["batches"] == 29 and stats["total"] == 91
    assert stats["by_state"] == {"in_progress": 0, "closed_in_stage": 0, "closed": 91}
    assert stats["closure_rate"] == 1.0 and stats["certified"] == 91
    specs = [c for b in data["batches"] for c in b["cases"]]
    fines = sum((c.get("accountability") or {}).get("fine_yuan", 0) for c in specs)
    assert stats["accountability"]["fine_yuan"] == fines > 0
    unsub = sum(1 for c in specs if c["verdict"] == "unsubstantiated")
    assert stats["unsubstantiated_rate"] == round(unsub / 91, 4)
    assert stats["repeat_rate"] == round(sum(1 for c in specs if c.get("repeat_of")) / 91, 4)


async def test_stats_as_of_a_past_day_use_the_states_of_that_day(client, demo_round):
    data = demo_petitions()
    as_of = date(2022, 4, 10)
    specs = [(b["transferred_at"], c) for b in data["batches"] for c in b["cases"]]
    registered = [c for day, c in specs if day <= as_of]
    in_stage = [c for c in registered if c["stage_closed_on"] <= as_of]
    stats = (await client.get(f"/api/v1/stats/petitions?round_id={demo_round}&as_of={as_of}")).json()
    assert stats["total"] == len(registered) > 0
    assert stats["batches"] == len({day for day, _ in specs if day <= as_of})
    assert stats["by_state"] == {
        "in_progress": len(registered) - len(in_stage),
        "closed_in_stage": len(in_stage),
        "closed": 0,
    }
    assert stats["closure_rate"] == 0.0
    before = (await client.get(f"/api/v1/stats/petitions?round_id={demo_round}&as_of=2022-03-01")).json()
    assert before["total"] == 0 and before["closure_rate"] is None


async def test_due_date_defaults_from_the_round_policy_in_calendar_or_working_days(client, demo_round):
    orgs = await org_ids(client)
    batch = await new_batch(client, demo_round)
    case = await new_case(client, batch["id"], orgs["阿巴嘎旗"])
    assert case["due_date"] == str(date(2025, 9, 26) + timedelta(days=10))  # default: 10 calendar days

    r = await client.put(f"/api/v1/rounds/{demo_round}/petition-policy", json={"due_days": 5, "day_kind": "working"})
    assert r.status_code == 200 and r.json()["default"] is False
    case = await new_case(client, batch["id"], orgs["阿巴嘎旗"], intake="D3NM202509260002")
    # 28 Sep 2025 (a Sunday) is a make-up workday, 1–8 Oct the National Day break
    assert case["due_date"] == "2025-10-10"

    own = await new_batch(client, demo_round, batch_no=102, due_days=3, day_kind="calendar")
    case = await new_case(client, own["id"], orgs["阿巴嘎旗"], intake="D3NM202509260003")
    assert case["due_date"] == "2025-09-29"
    case = await new_case(client, own["id"], orgs["阿巴嘎旗"], intake="D3NM202509260004", due_date="2025-09-27")
    assert case["due_date"] == "2025-09-27"


async def test_intake_and_batch_numbers_are_unique_in_a_round(client, demo_round):
    orgs = await org_ids(client)
    r = await client.post(
        "/api/v1/petition-batches", json={"round_id": demo_round, "batch_no": 1, "transferred_at": "2022-03-27"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "batch_no_taken"
    batch = await new_batch(client, demo_round)
    existing = (await all_cases(client, f"&round_id={demo_round}"))[0]["intake_no"]
    r = await client.post(
        "/api/v1/petition-cases",
        json={"batch_id": batch["id"], "intake_no": existing, "content": "x", "locality_org_id": orgs["多伦县"]},
    )
    assert r.status_code == 409 and "受理编号" in r.json()["error"]["message"]


async def events_of(app, case_id: int) -> list[str]:
    from sqlalchemy import select

    from rectify_shared.models import OutboxEvent

    async with app.state.rectify.read_sessions() as s:
        rows = await s.execute(
            select(OutboxEvent.event_type)
            .where(OutboxEvent.aggregate_type == "petition_case", OutboxEvent.aggregate_id == case_id)
            .order_by(OutboxEvent.created_at)
        )
        return [r[0] for r in rows]


async def test_closing_needs_certification_and_reopening_needs_a_reason(app, client, demo_round):
    orgs = await org_ids(client)
    batch = await new_batch(client, demo_round)
    case = await new_case(client, batch["id"], orgs["多伦县"])
    url = f"/api/v1/petition-cases/{case['id']}"

    r = await client.patch(url, json={"state": "closed", "verdict": "substantiated"})
    assert r.status_code == 422 and "认定" in r.json()["error"]["message"]
    assert (await client.get(url)).json()["verdict"] is None  # nothing half-written

    body = {
        "state": "closed",
        "verdict": "substantiated",
        "certified_by": "自治区生态环境厅",
        "certified_at": "2025-10-20",
    }
    r = await client.patch(url, json={**body, "accountability": {"ordered_rectification": 1, "fine_yuan": 30000}})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "closed" and r.json()["state_text"] == "已办结"
    assert await events_of(app, case["id"]) == ["petition_case.created", "petition_case.closed"]

    r = await client.patch(url, json={"state": "in_progress"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.reason"
    r = await client.patch(url, json={"state": "in_progress", "reason": "回访发现问题反弹"})
    assert r.status_code == 200 and r.json()["state"] == "in_progress"
    assert (await events_of(app, case["id"]))[-1] == "petition_case.updated"

    audit = (await client.get(f"/api/v1/audit?entity_type=petition_case&entity_id={case['id']}")).json()["items"]
    assert {a["action"] for a in audit} == {"petition_case.created", "petition_case.closed", "petition_case.updated"}


async def test_a_unit_reports_handling_on_its_own_cases_only(client, signin, demo_round):
    orgs = await org_ids(client)
    batch = await new_batch(client, demo_round)
    mine = await new_case(client, batch["id"], orgs["阿巴嘎旗"])
    other = await new_case(client, batch["id"], orgs["多伦县"], intake="D3NM202509260009")
    unit = await signin("abgq")

    r = await unit.patch(
        f"/api/v1/petition-cases/{mine['id']}",
        json={"findings": "经核查属实。", "verdict": "substantiated", "state": "closed_in_stage"},
    )
    assert r.status_code == 200 and r.json()["state"] == "closed_in_stage"
    r = await unit.patch(
        f"/api/v1/petition-cases/{mine['id']}",
        json={"state": "closed", "certified_by": "自治区生态环境厅", "certified_at": "2025-10-20"},
    )
    assert r.status_code == 403
    r = await unit.patch(f"/api/v1/petition-cases/{mine['id']}", json={"due_date": "2026-01-01"})
    assert r.status_code == 403
    assert (await unit.patch(f"/api/v1/petition-cases/{other['id']}", json={"findings": "x"})).status_code == 404
    assert (await unit.get(f"/api/v1/petition-cases/{other['id']}")).status_code == 404
    seen = {c["id"] for c in await all_cases(unit, f"&batch_id={batch['id']}")}
    assert seen == {mine["id"]}


async def test_list_filters(client, demo_round):
    orgs = await org_ids(client)
    batch = await new_batch(client, demo_round, transferred_at="2020-01-06")  # long past due
    late = await new_case(
        client,
        batch["id"],
        orgs["东乌珠穆沁旗"],
        pollution_types=["water", "ecology"],
        key_attention=True,
        reported_party="某测试矿业公司",
    )
    done = await new_case(client, batch["id"], orgs["东乌珠穆沁旗"], intake="D3NM202001060002", pollution_types=["air"])
    await client.patch(
        f"/api/v1/petition-cases/{done['id']}", json={"state": "closed_in_stage", "verdict": "unsubstantiated"}
    )

    async def ids(query: str) -> set[int]:
        return {c["id"] for c in await all_cases(client, f"&batch_id={batch['id']}{query}")}

    assert await ids("") == {late["id"], done["id"]}
    assert await ids("&overdue=true") == {late["id"]}
    assert await ids("&overdue=false") == {done["id"]}
    assert await ids("&pollution_type=water") == {late["id"]}
    assert await ids("&key_attention=true") == {late["id"]}
    assert await ids("&state=closed_in_stage") == {done["id"]}
    assert await ids("&verdict=unsubstantiated") == {done["id"]}
    assert await ids("&q=测试矿业") == {late["id"]}
    assert await ids(f"&locality_org_id={orgs['锡林郭勒盟']}") == {late["id"], done["id"]}  # subtree
    assert await ids(f"&locality_org_id={orgs['阿巴嘎旗']}") == set()
    demo = {c["id"] for c in await all_cases(client, f"&round_id={demo_round}&pollution_type=noise")}
    spec = [c for b in demo_petitions()["batches"] for c in b["cases"] if "noise" in c["pollution_types"]]
    assert len(demo) == len(spec)


async def test_links_to_repeats_and_issues_must_exist_in_the_round(client, demo_round):
    orgs = await org_ids(client)
    batch = await new_batch(client, demo_round)
    first = await new_case(client, batch["id"], orgs["多伦县"])
    issue = (await client.get(f"/api/v1/issues?round_id={demo_round}&limit=1")).json()["items"][0]
    again = await new_case(
        client, batch["id"], orgs["多伦县"], intake="D3NM202509260005", repeat_of_id=first["id"], issue_id=issue["id"]
    )
    assert again["repeat_of_id"] == first["id"] and again["issue_id"] == issue["id"]
    r = await client.post(
        "/api/v1/petition-cases",
        json={
            "batch_id": batch["id"],
            "intake_no": "D3NM202509260006",
            "content": "x",
            "locality_org_id": orgs["多伦县"],
            "repeat_of_id": 999999,
        },
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.repeat_of_id"


# ---------------------------------------------------------------- today's figures kept under the change token
# `stats_petition_version`, renewed by database triggers: after each write through the API the round
# has a new token and the kept answer is the one built afresh; a read with nothing written leaves the
# token alone. (That the figures equal the cases counted one by one, after any write and as of past
# days: test_petition_figures_summed.py.)


async def _tokens(db_url: str) -> dict[int, int]:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(StatsPetitionVersion.round_id, StatsPetitionVersion.token))  # type: ignore[call-overload]
            return {r: t for r, t in rows}
    finally:
        await engine.dispose()


async def _answer(client: Any, query: str) -> Any:
    r = await client.get(f"/api/v1/stats/petitions?{query}")
    assert r.status_code == 200, r.text
    return r.json()


async def _fresh(client: Any, query: str) -> Any:
    petition_stats._LAST.clear()
    return await _answer(client, query)


async def test_each_write_renews_the_token_and_the_kept_answer_follows(client, db_url, demo_round):
    orgs = await org_ids(client)
    query = f"round_id={demo_round}"
    before = await _answer(client, query)
    tokens = await _tokens(db_url)
    assert demo_round in tokens  # filled by the migration's triggers as the demo's cases came in
    assert await _answer(client, query) == before and await _tokens(db_url) == tokens

    seen = [tokens[demo_round]]

    async def after_write() -> Any:
        token = (await _tokens(db_url))[demo_round]
        assert token not in seen
        seen.append(token)
        kept = await _answer(client, query)
        assert kept == await _fresh(client, query)
        assert await _answer(client, "") == await _fresh(client, "")  # all rounds
        return kept

    batch = await new_batch(client, demo_round, batch_no=130)
    assert (await _tokens(db_url))[demo_round] == seen[-1]  # a batch without cases counts nothing
    code = next(iter(before["by_pollution_type"]))
    case = await new_case(client, batch["id"], orgs["多伦县"], pollution_types=[code])
    added = await after_write()
    assert added["total"] == before["total"] + 1 and 130 in added["batch_nos"]
    assert added["by_pollution_type"][code] == before["by_pollution_type"][code] + 1

    url = f"/api/v1/petition-cases/{case['id']}"
    body = {"state": "closed", "verdict": "unsubstantiated", "certified_by": "自治区生态环境厅",
            "certified_at": "2025-10-20", "accountability": {"interviews": 2, "fine_yuan": 30000}}  # fmt: skip
    r = await client.patch(url, json=body)
    assert r.status_code == 200, r.text
    closed = await after_write()
    assert closed["by_state"]["closed"] == added["by_state"]["closed"] + 1
    assert closed["certified"] == added["certified"] + 1
    assert closed["accountability"]["fine_yuan"] == added["accountability"]["fine_yuan"] + 30000

    r = await client.patch(url, json={"state": "in_progress", "reason": "回访发现问题反弹"})
    assert r.status_code == 200, r.text
    reopened = await after_write()
    assert reopened["by_state"]["in_progress"] == closed["by_state"]["in_progress"] + 1

    r = await client.patch(f"/api/v1/orgs/{orgs['多伦县']}", json={"name": "多伦县（改）"})
    assert r.status_code == 200, r.text
    renamed = await after_write()
    assert "多伦县（改）" in {x["org_name"] for x in renamed["by_locality"]}

    # nothing written: the token stays, the answer is the kept one
    assert await _answer(client, query) == renamed and (await _tokens(db_url))[demo_round] == seen[-1]
