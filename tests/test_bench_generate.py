"""The bench data generator: a small scale loads by COPY, deterministically, and the API serves it."""

import importlib.util
from pathlib import Path

import pytest

from issues_api.auth.passwords import hash_password
from issues_api.auth.principal import Role
from rectify_shared.models import UserAccount

GENERATOR = Path(__file__).resolve().parents[1] / "bench" / "generate.py"


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_same_seed_gives_the_same_province():
    gen = _generator()
    a, b, c = gen.Province(3, 0.001), gen.Province(3, 0.001), gen.Province(4, 0.001)
    first = list(a.issues())
    assert first == list(b.issues()) and first != list(c.issues())
    kinds = [row[3] for row in a.orgs]
    assert kinds.count("league") == 12 and kinds.count("county") == 103 and kinds.count("department") == 480
    assert all("{{" not in row[4] and len(row[4]) >= 80 for row in first)  # text of realistic length


async def test_a_small_scale_loads_and_the_api_lists_it(app, db_url, helpers):
    if not db_url.startswith("postgresql"):
        pytest.skip("the generator loads PostgreSQL (COPY)")
    loaded = await _generator().load(db_url, seed=11, scale=0.002, log=lambda *_: None)
    assert loaded["issue"] == 40 and loaded["measure"] == 200 and loaded["progress_report"] == 2000
    assert loaded["petition_case"] == 12 and loaded["petition_state_change"] > 12 and loaded["indicator"] == 9
    assert loaded["indicator_value"] > 9 * 12  # a monthly series of each indicator
    from rectify_shared.db import make_engine
    from rectify_shared.partitions import rows_in_default

    engine = make_engine(db_url, pool_size=1)
    try:
        async with engine.connect() as conn:  # the history got its month partitions, as a migration gives
            assert await rows_in_default(conn) == []
    finally:
        await engine.dispose()
    async with app.state.rectify.write_sessions() as s:
        s.add(UserAccount(username="bench", display_name="bench", password_hash=hash_password("bench-pw-2024"),
                          org_id=1, org_path="/1/", role=Role.office_admin, created_by="test"))  # fmt: skip
        await s.commit()
    c = await helpers.login(app, "bench", "bench-pw-2024")
    try:
        seen: list[int] = []
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = (await c.get("/api/v1/issues", params=params)).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == list(range(1, 41))
        # the dashboard's petition and indicator figures have cases and series to count, today and in the past
        petitions = (await c.get("/api/v1/stats/petitions", params={"round_id": 1})).json()
        assert petitions["total"] == 4 and petitions["batches"] == 1 and sum(petitions["by_state"].values()) == 4
        past = (await c.get("/api/v1/stats/petitions", params={"round_id": 1, "as_of": "2019-04-15"})).json()
        assert past["total"] == 4 and past["by_state"]["closed"] == 0
        indicators = (await c.get("/api/v1/stats/indicators", params={"round_id": 1})).json()
        assert indicators["total"] == 3 and indicators["unjudged"] == 0, indicators
        assert indicators["on_schedule"] + indicators["behind"] == 3
        detail = await c.get("/api/v1/issues/7")
        assert detail.status_code == 200 and detail.json()["measures"]
        # the API writes on top of the loaded ids
        made = await c.post("/api/v1/orgs", json={"name": "新增旗", "kind": "county", "parent_id": 2})
        assert made.status_code == 201, made.text
    finally:
        await c.aclose()
