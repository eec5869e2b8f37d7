"""Monthly partitions (migration 0020_month_partitions, PostgreSQL only).

The migration moves every row of the four growing tables into its month's partition with its id
unchanged (a row too old for a month partition goes to DEFAULT, which /readyz and `rectify
partitions` flag, and the upkeep repairs); the normal write paths land in the current month's
partition; the upkeep creates months ahead, idempotently, also when two run at once; the outbox
position stays unique across partitions; the app role reaches rows only through the parents;
downgrading to 0019 and upgrading again keeps every row.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from issues_api.schema import alembic_config, upgrade
from notifier.partitions import maintain_partitions
from rectify_shared.ids import new_id
from rectify_shared.partitions import (
    PARTITIONED_TABLES,
    add_months,
    ensure_partitions,
    month_start,
    partition_name,
    rows_in_default,
)
from rectify_shared.settings import Settings

BEFORE = "0019_petition_closures"
TABLES = tuple(PARTITIONED_TABLES)
postgres_only = pytest.mark.postgres


@pytest.fixture
def fresh_pg(pg_server_url: str) -> Iterator[str]:
    """A database of its own at 0019 (migrations run here, not on the run's shared database)."""
    name = f"rectify_part_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(pg_server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = f"{pg_server_url.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    upgrade(url, BEFORE)
    try:
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def seed_rows(engine: AsyncEngine, moments: list[datetime]) -> dict[str, dict[int, datetime]]:
    """One row in each of the four tables at each moment; {table: {id: created_at}}."""
    rows: dict[str, dict[int, datetime]] = {t: {} for t in TABLES}
    # plain SQL with 0019's columns: the models carry columns of later migrations
    async with engine.begin() as conn:
        org_id = (
            await conn.execute(
                text(
                    "INSERT INTO org (name, kind, path, depth, created_at, updated_at)"
                    " VALUES ('测试盟', 'league', '/', 0, now(), now()) RETURNING id"
                )
            )
        ).scalar_one()
        await conn.execute(text("UPDATE org SET path = :p WHERE id = :i"), {"p": f"/{org_id}/", "i": org_id})
        round_id = (
            await conn.execute(
                text(
                    "INSERT INTO inspection_round (name, inspection_team, target_region, org_id, org_path,"
                    " created_at, updated_at) VALUES ('第二轮', '督察组', '测试盟', :o, :p, now(), now()) RETURNING id"
                ),
                {"o": org_id, "p": f"/{org_id}/"},
            )
        ).scalar_one()
        issue_id = (
            await conn.execute(
                text(
                    "INSERT INTO issue (round_id, seq, category, description, lead_org_id, org_path, status,"
                    " long_term, deadline_provisional, created_at, updated_at) VALUES (:r, 1, '方面', '问题', :o, :p,"
                    " 'not_started', false, false, now(), now()) RETURNING id"
                ),
                {"r": round_id, "o": org_id, "p": f"/{org_id}/"},
            )
        ).scalar_one()
    async with engine.begin() as conn:
        for seq, at in enumerate(moments, start=1):
            ids = {t: new_id() for t in TABLES}
            await conn.execute(
                text(
                    "INSERT INTO progress_report (id, created_at, issue_id, text, reporting_org_id, org_path,"
                    " reported_at, reported_by) VALUES (:id, :at, :i, '进展', :o, :path, :at, 'admin')"
                ),
                {"id": ids["progress_report"], "at": at, "i": issue_id, "o": org_id, "path": f"/{org_id}/"},
            )
            await conn.execute(
                text(
                    "INSERT INTO audit_record (id, created_at, chain, seq, prev_hash, hash, hash_alg, actor,"
                    " action, entity_type, entity_id) VALUES (:id, :at, 'org:1', :s, 'p', 'h', 'sha256',"
                    " 'admin', 'progress.create', 'progress_report', '1')"
                ),
                {"id": ids["audit_record"], "at": at, "s": seq},
            )
            await conn.execute(
                text(
                    "INSERT INTO delivery (id, created_at, event_id, event_type, event_month, channel, recipient,"
                    " address, body, state, priority, attempts, idempotency_key)"
                    " VALUES (:id, :at, :e, 'progress.reported', :m, 'email', 'org:1', 'a@b.cn', '正文',"
                    " 'sent', 'normal', 1, :e)"
                ),
                {"id": ids["delivery"], "at": at, "e": f"evt{seq}", "m": at.strftime("%Y-%m")},
            )
            await conn.execute(
                text(
                    "INSERT INTO outbox_event (id, created_at, event_type, aggregate_type, aggregate_id, in_feed,"
                    " payload, position) VALUES (:id, :at, 'progress.reported', 'issue', :i, true, '{}', :s)"
                ),
                {"id": ids["outbox_event"], "at": at, "i": issue_id, "s": seq},
            )
            for t in TABLES:
                rows[t][ids[t]] = at
    return rows


async def where_rows_are(engine: AsyncEngine, table: str) -> dict[int, str]:
    async with engine.connect() as conn:
        result = await conn.execute(text(f"SELECT id, tableoid::regclass::text FROM {table}"))
        return {r[0]: r[1] for r in result}


async def relkind(engine: AsyncEngine, table: str) -> str:
    async with engine.connect() as conn:
        query = text("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(:t)")
        kind: str = (await conn.execute(query, {"t": table})).scalar_one()
        return kind


@postgres_only
async def test_migration_puts_rows_in_their_months_keeps_ids_and_downgrades(fresh_pg, monkeypatch, capsys):
    engine = create_async_engine(fresh_pg)
    too_old = utc(2010, 3, 5)  # more than ten years back: DEFAULT, not a partition of its own
    moments = [utc(2025, 1, 15, 8), utc(2025, 6, 30, 23, 59, 59), utc(2025, 7, 1), datetime.now(UTC), too_old]
    seeded = await seed_rows(engine, moments)
    await asyncio.to_thread(upgrade, fresh_pg)

    for table in TABLES:
        assert await relkind(engine, table) == "p", table
        placed = await where_rows_are(engine, table)
        assert set(placed) == set(seeded[table]), f"{table}: ids changed or rows lost"
        for row_id, at in seeded[table].items():
            expected = f"{table}_default" if at == too_old else partition_name(table, month_start(at))
            assert placed[row_id] == expected, (table, at)

    # a month partition for each month holding rows, last month to three ahead, and DEFAULT
    async with engine.connect() as conn:
        assert set(await rows_in_default(conn)) == {f"{t}_default" for t in TABLES}
        children = (
            (
                await conn.execute(
                    text(
                        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        " WHERE i.inhparent = 'delivery'::regclass"
                    )
                )
            )
            .scalars()
            .all()
        )
    now = month_start(datetime.now(UTC))
    months = {month_start(m) for m in moments[:3]} | {add_months(now, n) for n in range(-1, 4)}
    assert sorted(children) == sorted([partition_name("delivery", m) for m in months] + ["delivery_default"])

    # the CLI flags the DEFAULT rows and, creating the missing month, moves them out
    from issues_api.ops.cli import cmd_partitions
    from issues_api.ops.partitions import report

    monkeypatch.setenv("DATABASE_URL", fresh_pg)
    lines, warnings = await report(Settings(database_url=fresh_pg), exact=True, create=False)
    assert len(warnings) == 4 and all("_default holds 1 rows" in w for w in warnings)
    assert any("delivery_p202506" in line and line.split()[-1] == "1" for line in lines)
    args = type("Args", (), {"exact": True, "no_create": False, "strict": True})()
    assert await asyncio.to_thread(cmd_partitions, args) == 0  # nothing left in DEFAULT to be strict about
    assert "created progress_report_p201003" in capsys.readouterr().out
    old_report = next(i for i, a in seeded["progress_report"].items() if a == too_old)
    assert (await where_rows_are(engine, "progress_report"))[old_report] == "progress_report_p201003"
    async with engine.connect() as conn:
        assert await rows_in_default(conn) == []

    # down to 0019: plain tables, every row and id, the unique position index, RLS as 0016 left it
    await asyncio.to_thread(command.downgrade, alembic_config(fresh_pg), BEFORE)
    for table in TABLES:
        assert await relkind(engine, table) == "r", table
        assert set(await where_rows_are(engine, table)) == set(seeded[table])
    async with engine.connect() as conn:
        unique = (
            await conn.execute(
                text("SELECT indisunique FROM pg_index WHERE indexrelid = 'ix_outbox_position'::regclass")
            )
        ).scalar_one()
        assert unique is True
        rls = (
            await conn.execute(
                text(
                    "SELECT relrowsecurity, (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid)"
                    " FROM pg_class c WHERE oid = 'progress_report'::regclass"
                )
            )
        ).one()
        assert tuple(rls) == (True, 1)
        leftovers = (
            await conn.execute(text("SELECT count(*) FROM pg_class WHERE relname ~ '_(p[0-9]{6}|default)$'"))
        ).scalar_one()
        assert leftovers == 0

    # and up again
    await asyncio.to_thread(upgrade, fresh_pg)
    for table in TABLES:
        assert await relkind(engine, table) == "p", table
        placed = await where_rows_are(engine, table)
        assert set(placed) == set(seeded[table])
        assert placed[next(iter(seeded[table]))] == partition_name(table, month_start(moments[0]))
    await engine.dispose()


@postgres_only
async def test_upkeep_creates_months_ahead_once_even_when_two_run_at_once(fresh_pg):
    await asyncio.to_thread(upgrade, fresh_pg)
    first, second = create_async_engine(fresh_pg), create_async_engine(fresh_pg)
    later = add_months(month_start(datetime.now(UTC)), 12)  # a year on: none of these months exist yet
    # the scheduler's job and an operator's `rectify partitions` at the same moment
    job = maintain_partitions({"engine": first, "settings": Settings(partition_months_ahead=6)}, today=later)
    a, b = await asyncio.gather(job, ensure_partitions(second, 6, today=later))
    expected = {partition_name(t, add_months(later, n)) for t in TABLES for n in range(-1, 7)}
    assert sorted(a + b) == sorted(expected)  # each created once, by one of the two
    assert await ensure_partitions(first, 6, today=later) == []
    async with first.connect() as conn:
        bounds = (
            await conn.execute(
                text("SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = :n"),
                {"n": partition_name("outbox_event", later)},
            )
        ).scalar_one()
    assert f"'{later.isoformat()} 00:00:00+00'" in bounds
    # a row of a month ahead lands in its partition, not in DEFAULT
    async with first.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO outbox_event (id, created_at, event_type, aggregate_type, aggregate_id, in_feed, payload)"
                " VALUES (:id, :at, 'x', 'issue', 1, true, '{}')"
            ),
            {"id": new_id(), "at": datetime(later.year, later.month, 20, tzinfo=UTC)},
        )
        assert await rows_in_default(conn) == []
    await first.dispose()
    await second.dispose()


@postgres_only
async def test_outbox_position_stays_unique_across_partitions(fresh_pg):
    await asyncio.to_thread(upgrade, fresh_pg)
    engine = create_async_engine(fresh_pg)
    now = datetime.now(UTC)
    insert = text(
        "INSERT INTO outbox_event (id, created_at, event_type, aggregate_type, aggregate_id, in_feed, payload,"
        " position) VALUES (:id, :at, 'x', 'issue', 1, true, '{}', :p)"
    )
    async with engine.begin() as conn:
        await conn.execute(insert, {"id": new_id(), "at": now, "p": 7})
    for at in (now - timedelta(days=40), now):  # another month's partition, and the same one
        with pytest.raises(IntegrityError, match="outbox position 7 is taken"):
            async with engine.begin() as conn:
                await conn.execute(insert, {"id": new_id(), "at": at, "p": 7})
    # the relay's own path: an unpositioned row given a taken position is refused too
    late = new_id()
    async with engine.begin() as conn:
        await conn.execute(insert, {"id": late, "at": now - timedelta(days=40), "p": None})
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE outbox_event SET position = 7 WHERE id = :id"), {"id": late})
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE outbox_event SET position = 8 WHERE id = :id"), {"id": late})
    await engine.dispose()


@postgres_only
async def test_the_app_role_reads_and_writes_through_the_parent_only(fresh_pg):
    """0016's policy is recreated on the partitioned parent and scopes the app role there; a
    partition read directly is refused to it (no privileges), so no query slips past the policy."""
    await asyncio.to_thread(upgrade, fresh_pg)
    engine = create_async_engine(fresh_pg)
    now = datetime.now(UTC)
    seeded = await seed_rows(engine, [now, now - timedelta(days=35)])
    this_month = partition_name("progress_report", month_start(now))
    async with engine.connect() as conn:
        org_id, issue_id, path = (
            await conn.execute(text("SELECT reporting_org_id, issue_id, org_path FROM progress_report LIMIT 1"))
        ).one()
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL ROLE rectify_app"))
        await conn.execute(text("SELECT set_config('rectify.org_path', :p, true)"), {"p": path})
        assert (await conn.execute(text("SELECT count(*) FROM progress_report"))).scalar_one() == 2
        await conn.execute(
            text(
                "INSERT INTO progress_report (id, created_at, issue_id, text, reporting_org_id, org_path,"
                " reported_at, reported_by) VALUES (:id, now(), :i, '进展', :o, :p, now(), 'unit')"
            ),
            {"id": new_id(), "i": issue_id, "o": org_id, "p": path},
        )
        assert (await conn.execute(text("SELECT count(*) FROM progress_report"))).scalar_one() == 3
        await conn.execute(text("SELECT set_config('rectify.org_path', '/999999/', true)"))
        assert (await conn.execute(text("SELECT count(*) FROM progress_report"))).scalar_one() == 0
    async with engine.connect() as conn:
        await conn.execute(text("SET ROLE rectify_app"))
        await conn.execute(text("SELECT set_config('rectify.org_path', :p, false)"), {"p": path})
        with pytest.raises(DBAPIError, match="permission denied"):
            await conn.execute(text(f"SELECT count(*) FROM {this_month}"))
    assert len(seeded["progress_report"]) == 2
    await engine.dispose()


@pytest.fixture
def db_url(pg_db_url: str) -> str:
    """PostgreSQL only (SQLite has no partitions: see test_sqlite_has_no_partitions)."""
    return pg_db_url


@postgres_only
async def test_api_writes_land_in_this_months_partition(client: Any, app: Any):
    async with app.state.rectify.engine.connect() as conn:
        measure = (await conn.execute(text("SELECT min(id) FROM measure"))).scalar_one()
    before = datetime.now(UTC)
    r = await client.post(f"/api/v1/measures/{measure}/progress", json={"text": "本月完成治理面积1平方公里。"})
    assert r.status_code == 201, r.text
    this_month = month_start(datetime.now(UTC))
    engine = app.state.rectify.engine
    async with engine.connect() as conn:
        for table in ("progress_report", "audit_record", "outbox_event"):
            where = (
                (
                    await conn.execute(
                        text(f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE created_at >= :t"),
                        {"t": before},
                    )
                )
                .scalars()
                .all()
            )
            assert where == [partition_name(table, this_month)], table

    # deliveries, as the notifier writes them: a delivery takes its event's time
    from notifier.delivery.engine import record_deliveries
    from notifier.delivery.planner import PlannedDelivery
    from rectify_shared.jobs import EventEnvelope

    event = EventEnvelope(
        id=str(new_id()),
        type="progress.reported",
        timestamp=datetime.now(UTC),
        aggregate_type="issue",
        aggregate_id=1,
        data={},
    )
    planned = [PlannedDelivery(channel="email", recipient="org:1", address="a@b.cn", subject="s", body="b")]
    async with app.state.rectify.write_sessions() as session:
        assert len(await record_deliveries(session, event, planned)) == 1
        assert await record_deliveries(session, event, planned) == []  # once, however often it arrives
        await session.commit()
    async with engine.connect() as conn:
        where = (await conn.execute(text("SELECT tableoid::regclass::text FROM delivery"))).scalars().all()
    assert where == [partition_name("delivery", this_month)]
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["warnings"] == []


@postgres_only
async def test_readyz_warns_about_rows_in_default_but_stays_ready(client: Any, app: Any):
    async with app.state.rectify.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO outbox_event (id, created_at, event_type, aggregate_type, aggregate_id, in_feed,"
                " payload) VALUES (:id, '1999-01-01T00:00:00Z', 'x', 'issue', 1, false, '{}')"
            ),
            {"id": new_id()},
        )
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert r.json()["warnings"] and "outbox_event_default" in r.json()["warnings"][0]


def test_sqlite_has_no_partitions(sqlite_url, tmp_path, capsys, monkeypatch):
    """The embedded default is not partitioned: the migration is a no-op and the CLI says so."""
    from issues_api.cli import main

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RECTIFY_DATA_DIR", str(tmp_path))
    assert main(["partitions"]) == 0
    assert "not partitioned" in capsys.readouterr().out


@postgres_only
async def test_finding_06_a_partition_created_later_keeps_the_audit_trail_append_only(fresh_pg):
    """The revoke of UPDATE/DELETE/TRUNCATE on `audit_record` is re-applied to each partition the
    upkeep creates: a new partition takes the schema's default privileges (here a DBA's grant of
    everything to the app's login role), not the parent's revoke."""
    await asyncio.to_thread(upgrade, fresh_pg)
    login = f"rectify_login_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(fresh_pg)
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE ROLE {login} LOGIN NOSUPERUSER"))
        await conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO {login}"))
        await conn.execute(text("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO PUBLIC"))
    later = add_months(month_start(datetime.now(UTC)), 14)
    try:
        created = await ensure_partitions(engine, 0, today=later)
        audit = partition_name("audit_record", later)
        assert audit in created
        async with engine.connect() as conn:

            async def may(role: str, table: str, privilege: str) -> bool:
                query = text("SELECT has_table_privilege(:r, :t, :p)")
                return bool((await conn.execute(query, {"r": role, "t": table, "p": privilege})).scalar_one())

            for role in (login, "rectify_app"):
                for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
                    assert not await may(role, audit, privilege), (role, privilege)
            # the other growing tables keep what the DBA granted: only the audit trail is append-only
            assert await may(login, partition_name("outbox_event", later), "UPDATE")
            assert await may(login, audit, "SELECT")
        # and as the login role itself: the new month's partition refuses the change
        async with engine.connect() as conn:
            await conn.execute(text(f"SET ROLE {login}"))
            for statement in (f"UPDATE {audit} SET actor = 'x'", f"DELETE FROM {audit}", f"TRUNCATE {audit}"):
                with pytest.raises(DBAPIError, match="permission denied"):
                    async with conn.begin_nested():
                        await conn.execute(text(statement))
            await conn.rollback()
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {login}"))
            await conn.execute(text("ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM PUBLIC"))
            await conn.execute(text(f"DROP OWNED BY {login}"))
            await conn.execute(text(f"DROP ROLE {login}"))
        await engine.dispose()


@postgres_only
async def test_the_nightly_upkeep_as_a_role_that_owns_nothing_leaves_the_months_to_the_owner(fresh_pg):
    """Kubernetes and systemd run the scheduler as the app's login role, which owns no table: its
    nightly job (03:17 China time) used to fail there with "permission denied for table
    progress_report_default" (CI of 7cb99e2, run across 19:17 UTC). It now says the owner's job
    makes the months and returns; as the owner, the same job makes them."""
    await asyncio.to_thread(upgrade, fresh_pg)
    login = f"rectify_login_{uuid.uuid4().hex[:8]}"
    owner = create_async_engine(fresh_pg)
    async with owner.begin() as conn:
        await conn.execute(text(f"CREATE ROLE {login} LOGIN NOSUPERUSER PASSWORD 'pw'"))
        await conn.execute(text(f"GRANT rectify_app TO {login}"))
    host_db = fresh_pg.split("@", 1)[1]
    app = create_async_engine(f"postgresql+asyncpg://{login}:pw@{host_db}")
    later = add_months(month_start(datetime.now(UTC)), 16)
    settings = Settings(partition_months_ahead=1)
    try:
        assert await maintain_partitions({"engine": app, "settings": settings}, today=later) == []
        async with owner.connect() as conn:
            assert partition_name("progress_report", later) not in {
                name for (name,) in (await conn.execute(text("SELECT relname FROM pg_class"))).all()
            }
        created = await maintain_partitions({"engine": owner, "settings": settings}, today=later)
        assert partition_name("progress_report", later) in created
    finally:
        await app.dispose()
        async with owner.begin() as conn:
            await conn.execute(text(f"DROP OWNED BY {login}"))
            await conn.execute(text(f"DROP ROLE {login}"))
        await owner.dispose()
