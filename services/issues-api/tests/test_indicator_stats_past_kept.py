"""`GET /stats/indicators?as_of=D` is kept like today's answer (its bytes again while the round's
`indicator_version` token is the one it was made under: a past day's answer is a function of the
rows the token covers). Property: over a random history and a random run of writes that change the
past — a value reported late for an old period (an import), a value's figure or day rewritten, a
value deleted, a value corrected through the API (its report moves to today, out of the past),
an indicator's target changed, a link added — every past day's answer, asked twice (kept the second
time), equals a full recount made with nothing kept, for the office and a leader over a league's
subtree, for one round and for all; SQLite and PostgreSQL."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from issues_api.auth.principal import Scope
from issues_api.core.kept import Kept
from issues_api.indicators import router
from rectify_shared.db import make_engine, make_sessionmaker

from .test_indicator_stats_past import DAYS, _history, _period
from .test_indicator_stats_token import _sql


async def _recount(db_url: str, scope: Scope, round_id: int | None, as_of: date) -> bytes:
    """The answer built from the rows, nothing kept."""
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await router._encoded(await router._indicator_stats(session, scope, round_id, as_of))
    finally:
        await engine.dispose()


async def _write(client: Any, db_url: str, rng: random.Random, round_id: int) -> str:
    """One random write that may change a past day's answer; what it was."""
    values = await _sql(
        db_url,
        "SELECT v.id, v.indicator_id, v.org_id, v.org_path, v.period, i.kind FROM indicator_value v "
        "JOIN indicator i ON i.id = v.indicator_id WHERE i.round_id = :r ORDER BY v.id",
        r=round_id,
    )
    numeric = [v for v in values if v[5] in ("cumulative", "level", "ratio")]
    what = rng.choice(["late", "figure", "day", "delete", "corrected", "target", "link"])
    if what == "late" and numeric:
        _, ind, org, path, _, _ = rng.choice(numeric)
        label, start, end = _period(rng)
        taken = {v[4] for v in values if v[1] == ind and v[2] == org}
        if label not in taken:
            at = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(3 * 365 * 24))
            await _sql(
                db_url,
                "INSERT INTO indicator_value (indicator_id, org_id, org_path, period, period_start, period_end, "
                "value, reported_by, reported_at) VALUES (:i, :o, :p, :l, :s, :e, :v, 'import', :at)",
                i=ind, o=org, p=path, l=label, s=start, e=end, v=str(rng.randrange(1, 9000) / 100), at=at,
            )  # fmt: skip
    elif what == "figure" and numeric:
        await _sql(db_url, "UPDATE indicator_value SET value = :v WHERE id = :id",
                   v=str(Decimal(rng.randrange(1, 9000)) / 100), id=rng.choice(numeric)[0])  # fmt: skip
    elif what == "day" and values:
        at = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(3 * 365 * 24))
        await _sql(db_url, "UPDATE indicator_value SET reported_at = :at WHERE id = :id",
                   at=at, id=rng.choice(values)[0])  # fmt: skip
    elif what == "delete" and values:
        await _sql(db_url, "DELETE FROM indicator_value WHERE id = :id", id=rng.choice(values)[0])
    elif what == "corrected" and numeric:
        _, ind, org, _, label, _ = rng.choice(numeric)
        r = await client.post(f"/api/v1/indicators/{ind}/values", json={"period": label, "value": "7", "org_id": org})
        assert r.status_code == 201, r.text
    elif what == "target":
        rows = await _sql(db_url, "SELECT id FROM indicator WHERE round_id = :r AND kind <> 'qualitative'", r=round_id)
        await _sql(db_url, "UPDATE indicator SET target = :t WHERE id = :id",
                   t=str(rng.randrange(50, 200)), id=rng.choice(rows)[0])  # fmt: skip
    elif what == "link":
        rows = await _sql(db_url, "SELECT id FROM indicator WHERE round_id = :r ORDER BY id", r=round_id)
        ind = rng.choice(rows)[0]
        have = {m for (m,) in await _sql(db_url, "SELECT measure_id FROM indicator_measure WHERE indicator_id = :i",
                                         i=ind)}  # fmt: skip
        free = [m for (m,) in await _sql(db_url, "SELECT id FROM measure ORDER BY id") if m not in have]
        if free:
            await _sql(db_url, "INSERT INTO indicator_measure (indicator_id, measure_id) VALUES (:i, :m)",
                       i=ind, m=rng.choice(free))  # fmt: skip
    return what


async def test_a_kept_past_day_answer_equals_a_full_recount_after_random_writes(client, signin, db_url, demo_round):
    leader = await signin("leader")
    rng = random.Random(20261212)
    await _history(client, db_url, demo_round, rng)
    paths = {i: p for i, p in await _sql(db_url, "SELECT id, path FROM org")}
    scopes = [(who, Scope(paths[(await who.get("/api/v1/me")).json()["org"]["id"]])) for who in (client, leader)]
    done, changed = [], 0
    for _ in range(8):
        for day in rng.sample(DAYS, 2):
            for round_id in (demo_round, None):
                query = f"as_of={day.isoformat()}" + (f"&round_id={round_id}" if round_id else "")
                for who, scope in scopes:
                    first = await who.get(f"/api/v1/stats/indicators?{query}")
                    assert first.status_code == 200, first.text
                    kept = await who.get(f"/api/v1/stats/indicators?{query}")
                    recount = await _recount(db_url, scope, round_id, day)
                    assert first.content == kept.content == recount, (query, done)
        before = await _recount(db_url, scopes[0][1], demo_round, DAYS[-1])
        done.append(await _write(client, db_url, rng, demo_round))
        changed += before != await _recount(db_url, scopes[0][1], demo_round, DAYS[-1])
    # the answers were kept (a second request read no values), and the writes changed the past
    assert any(key[2] is not None for key in router._LAST)
    assert changed >= 3, done


def test_kept_answers_stay_within_their_count_and_bytes(monkeypatch):
    """A dashboard stepping through past days keeps the newest answers only: at most `_LAST_MAX`
    of them and `_LAST_BYTES` in all (the newest kept even when larger on its own)."""
    assert (router._LAST.max_items, router._LAST.max_bytes) == (router._LAST_MAX, router._LAST_BYTES) == (64, 32 << 20)
    monkeypatch.setattr(router, "_LAST", Kept(3, max_bytes=10))
    for n in range(5):
        router._keep((1, Scope("/1/"), date(2024, 1, n + 1), None, (n,)), b"abcd")
    assert [k[4] for k in router._LAST] == [(3,), (4,)]
    router._keep((None, Scope("/1/"), date(2024, 2, 1), None, (9,)), b"x" * 50)
    assert [k[4] for k in router._LAST] == [(9,)]
    router._keep((None, Scope("/1/"), date(2024, 2, 2), None, (10,)), b"ab")
    router._keep((None, Scope("/1/"), date(2024, 2, 3), None, (11,)), b"ab")
    assert [k[4] for k in router._LAST] == [(10,), (11,)]
