"""Row-level security through PgBouncer in transaction mode (RECTIFY_PGBOUNCER=1, RECTIFY_DB_APP_ROLE).

The API's transactions enter the caller's tenant with `set_config(..., true)` (SET LOCAL): the role
and `rectify.org_path` end with the transaction, so a server connection PgBouncer hands to the next
client carries nothing over. Here PgBouncer has 2 server connections and runs *without*
`server_reset_query_always` (its default in transaction mode), so nothing but the application's
SET LOCAL stands between two tenants sharing a server connection:

* a user of province A whose list query lost its scope filter sees exactly A's issues, and raw
  counts in A's tenant find 0 rows of province B;
* users of A and B hammer the API concurrently (lists with the filter removed, writes) while bare
  transactions on the same 2 server connections check that no role or org path was left behind;
  every response holds exactly its own province's issues;
* the control: with the tenant set for the session instead (`set_config(..., false)`, the bug this
  guards against), the same probes do see a leftover tenant — the check can fail.
"""

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import text, true

from issues_api.auth.passwords import hash_password
from issues_api.issues import repository as issue_repository
from issues_api.main import create_app
from rectify_shared import db as rectify_db
from rectify_shared.db import enter_tenant, make_engine
from rectify_shared.ids import new_id
from rectify_shared.models import InspectionRound, Issue, IssueOrg, Measure, Org, ProgressReport, UserAccount

from .conftest import app_settings, asyncpg_url, signed_in
from .servers import PgBouncer

pytestmark = pytest.mark.ha

APP_ROLE = "rectify_app"
SERVER_CONNECTIONS = 2
CLIENTS_EACH = 4  # per province
REQUESTS_EACH = 12  # per client
B_ISSUES = 5
B_PASSWORD = "b-province-pw"
LEAKY_SET_TENANT = text("SELECT set_config('role', :role, false), set_config('rectify.org_path', :path, false)")


async def seed_province_b(app: Any) -> str:
    """乙省: a root org of its own (outside the demo tree) with a round, issues with a measure and a
    report each, and its office admin `b_admin`."""
    async with app.state.rectify.write_sessions() as s:
        org = Org(name="乙省", kind="region", path="/")
        s.add(org)
        await s.flush()
        org.path = f"/{org.id}/"
        rnd = InspectionRound(name="乙省第二轮", inspection_team="督察组", target_region="乙省", org_id=org.id or 0,
                              org_path=org.path)  # fmt: skip
        s.add(rnd)
        await s.flush()
        for seq in range(1, B_ISSUES + 1):
            issue = Issue(round_id=rnd.id or 0, seq=seq, category="方面", description=f"乙省问题{seq}",
                          lead_org_id=org.id or 0, org_path=org.path)  # fmt: skip
            s.add(issue)
            await s.flush()
            s.add(IssueOrg(issue_id=issue.id or 0, org_id=org.id or 0, role="lead", org_path=org.path))
            measure = Measure(issue_id=issue.id or 0, seq=1, position=1, text="措施", org_path=org.path)
            s.add(measure)
            await s.flush()
            s.add(ProgressReport(id=new_id(), issue_id=issue.id or 0, measure_id=measure.id, text="进展",
                                 reporting_org_id=org.id or 0, org_path=org.path, reported_by="seed"))  # fmt: skip
        s.add(UserAccount(username="b_admin", display_name="乙省整改办", password_hash=hash_password(B_PASSWORD),
                          org_id=org.id or 0, org_path=org.path, role="office_admin", created_by="seed"))  # fmt: skip
        await s.commit()
        return org.path


async def issue_ids(client: Any) -> set[int]:
    r = await client.get("/api/v1/issues", params={"limit": 200})
    assert r.status_code == 200, r.text
    return {int(i["id"]) for i in r.json()["items"]}


async def province_client(app: Any, name: str, mine: set[int], errors: list[str], leaks: list[str]) -> None:
    """One signed-in user: lists (the scope filter is gone: only RLS scopes them) and writes."""
    username, password = ("admin", "admin-test-pw") if name == "A" else ("b_admin", B_PASSWORD)
    client = await signed_in(app, username, password)
    target = min(mine)
    try:
        for n in range(REQUESTS_EACH):
            r = await client.get("/api/v1/issues", params={"limit": 200})
            if r.status_code != 200:
                errors.append(f"{name}: list {r.status_code} {r.text[:200]}")
            else:
                seen = {int(i["id"]) for i in r.json()["items"]}
                if seen != mine:
                    leaks.append(f"{name}: saw {sorted(seen - mine)} not its own, missed {sorted(mine - seen)}")
            if n % 3 == 0:  # a write in the tenant: RLS's WITH CHECK passes only for its own rows
                r = await client.post(f"/api/v1/issues/{target}/measures", json={"text": f"{name}并发措施{n}"})
                if r.status_code != 201:
                    errors.append(f"{name}: measure {r.status_code} {r.text[:200]}")
    finally:
        await client.aclose()


async def probe_leftovers(url: str, stop: asyncio.Event, leaks: list[str], backends: set[int]) -> int:
    """Bare transactions on the same server connections, entering no tenant: an owner transaction
    must run as the login user, and one that only takes the app role must see no org path and
    no issue. Anything else was left behind by another client's transaction."""
    engine = make_engine(url, pool_size=2, pgbouncer=True, pre_ping=False)
    probes = 0
    try:
        while not stop.is_set():
            async with engine.connect() as conn:
                user, pid = (await conn.execute(text("SELECT current_user, pg_backend_pid()"))).one()
                await conn.rollback()
                backends.add(int(pid))
                if user != "postgres":
                    leaks.append(f"owner transaction ran as {user}")
                await conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
                path, issues = (
                    await conn.execute(text("SELECT current_setting('rectify.org_path', true), count(*) FROM issue"))
                ).one()
                await conn.rollback()
                if path or issues:
                    leaks.append(f"an untenanted transaction saw org path {path!r} and {issues} issues")
            probes += 1
            await asyncio.sleep(0)
    finally:
        await engine.dispose()
    return probes


@pytest.mark.parametrize("leaky", [False, True], ids=["set-local", "control-session-level-set"])
async def test_tenants_do_not_leak_across_pooled_server_connections(
    pg_root, pg_primary, tmp_path, helpers, monkeypatch, leaky
):
    bouncer = PgBouncer(pg_root, pg_primary, pool_size=SERVER_CONNECTIONS, reset_always=False)
    bouncer.start()
    try:
        url = asyncpg_url(bouncer.url())
        settings = app_settings(tmp_path, url, pgbouncer=True, db_app_role=APP_ROLE, db_pool_size=CLIENTS_EACH * 2)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await helpers.load_demo_into(app)
            b_path = await seed_province_b(app)
            a_client, b_client = await signed_in(app), await signed_in(app, "b_admin", B_PASSWORD)
            async with app.state.rectify.read_sessions() as owner:
                admin_path = text("SELECT org_path FROM user_account WHERE username = 'admin'")
                a_path = str((await owner.execute(admin_path)).scalar_one())
            # what each may see, with the application's scope filter still in place
            mine = {"A": await issue_ids(a_client), "B": await issue_ids(b_client)}
            await a_client.aclose()
            await b_client.aclose()
            assert len(mine["B"]) == B_ISSUES and len(mine["A"]) >= 12 and not mine["A"] & mine["B"]

            if not leaky:
                # province A's tenant through PgBouncer, raw queries with no application filter
                async with app.state.rectify.read_sessions() as s:
                    await enter_tenant(s, APP_ROLE, a_path)
                    of_b = (await s.execute(text(
                        "SELECT (SELECT count(*) FROM issue WHERE org_path LIKE :b || '%'),"
                        " (SELECT count(*) FROM measure WHERE org_path LIKE :b || '%'),"
                        " (SELECT count(*) FROM progress_report WHERE org_path LIKE :b || '%'),"
                        " (SELECT count(*) FROM issue)"
                    ), {"b": b_path})).one()  # fmt: skip
                assert tuple(of_b) == (0, 0, 0, len(mine["A"]))
                async with app.state.rectify.read_sessions() as owner:  # the owner does see them
                    n = await owner.execute(text("SELECT count(*) FROM issue WHERE org_path = :b"), {"b": b_path})
                    assert n.scalar_one() == B_ISSUES

            monkeypatch.setattr(issue_repository, "visible", lambda scope: true())  # a forgotten filter
            if leaky:
                monkeypatch.setattr(rectify_db, "_SET_TENANT", LEAKY_SET_TENANT)
            errors: list[str] = []
            leaks: list[str] = []
            backends: set[int] = set()
            stop = asyncio.Event()
            started = time.monotonic()
            probers = [asyncio.create_task(probe_leftovers(url, stop, leaks, backends)) for _ in range(2)]
            try:
                await asyncio.gather(*(
                    province_client(app, name, mine[name], errors, leaks)
                    for name in ("A", "B") for _ in range(CLIENTS_EACH)
                ))  # fmt: skip
            finally:
                stop.set()
                probes = sum(await asyncio.gather(*probers))
            took = time.monotonic() - started
        [(servers,)] = pg_primary.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'rectify' AND pid <> pg_backend_pid()"
        )
        print(
            f"\nRLS through PgBouncer ({'session-level SET: control' if leaky else 'SET LOCAL'}):"
            f" {2 * CLIENTS_EACH} users x {REQUESTS_EACH} requests + {probes} probe transactions over"
            f" {SERVER_CONNECTIONS} server connections in {took:.1f} s; probes ran on backends {sorted(backends)};"
            f" leaks {len(leaks)}, errors {len(errors)}"
        )
        assert probes > 0 and len(backends) <= SERVER_CONNECTIONS and servers <= SERVER_CONNECTIONS
        if leaky:
            assert leaks, "the control leaks the tenant on purpose: the probes must catch it"
            return
        assert errors == []
        assert leaks == []
        rows = pg_primary.query(
            "SELECT left(text, 2), org_path, count(*) FROM measure WHERE text LIKE '_并发措施%%' GROUP BY 1, 2"
        )
        writes = -(-REQUESTS_EACH // 3) * CLIENTS_EACH
        # each user's writes landed in its own province (the measure carries its issue's org path)
        assert {(name, str(path).startswith(a_path if name == "A并" else b_path), n) for name, path, n in rows} == {
            ("A并", True, writes),
            ("B并", True, writes),
        }
    finally:
        bouncer.stop()
