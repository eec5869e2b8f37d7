"""The migrations agree with the models; readiness follows the database and its schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from rectify_shared.models import metadata
from rectify_shared.partitions import PARTITIONED_TABLES, is_partition_name

#: PostgreSQL-only migrations whose objects are not in the models' metadata, so the check below
#: cannot see them: each is checked here against its own objects instead.
POSTGRES_ONLY_REVISIONS = {
    # row-level security: policies on these tables (the SQLite schema has none)
    "0016_rls": ("issue", "measure", "progress_report"),
    "0018_rls_more": ("petition_case", "closure", "attachment", "escalation", "indicator", "indicator_value"),
}

#: What the models-equal-migrations check ignores on PostgreSQL, each for a reason
#: (0020_month_partitions; checked instead by test_partitioned_tables_are_partitioned below):
#: * tables named `<table>_pYYYYMM` / `<table>_default` of PARTITIONED_TABLES: the monthly
#:   partitions and their per-partition indexes, created by the migration and the upkeep, not
#:   by the models (`is_partition_name`, also what keeps autogenerate away from them in env.py);
#: * these indexes, unique in the models (and on SQLite) but plain on PostgreSQL, because a
#:   unique index of a partitioned table must hold the partition key; a trigger keeps them unique:
POSTGRES_PLAIN_INDEXES = {("outbox_event", "ix_outbox_position"): "outbox_position_unique"}


def _skip_partitions(name, type_, parent_names):  # alembic's include_name hook
    return not (type_ == "table" and name is not None and is_partition_name(name))


def _postgres_only(diff) -> bool:
    kind, *rest = diff
    if kind in ("add_index", "remove_index"):
        index = rest[0]
        return (index.table.name, index.name) in POSTGRES_PLAIN_INDEXES
    return False


async def test_postgres_only_migrations_are_applied_and_absent_on_sqlite(db_url):
    engine = create_async_engine(db_url)
    async with engine.connect() as conn:
        for revision, tables in POSTGRES_ONLY_REVISIONS.items():
            if conn.dialect.name != "postgresql":
                continue  # nothing to create on SQLite: the migration is a no-op there
            rows = await conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c WHERE c.relrowsecurity AND c.relname = ANY(:t)"
                    " AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)"
                ),
                {"t": list(tables)},
            )
            assert sorted(r[0] for r in rows) == sorted(tables), revision
    await engine.dispose()


async def test_partitioned_tables_are_partitioned(db_url):
    """PostgreSQL: the four growing tables are partitioned by month, with a DEFAULT partition, and
    the indexes that cannot be unique there are kept unique by their trigger."""
    engine = create_async_engine(db_url)
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            for table, column in PARTITIONED_TABLES.items():
                key = (await conn.execute(text("SELECT pg_get_partkeydef(to_regclass(:t))"), {"t": table})).scalar()
                assert key == f"RANGE ({column})", table
                default = (
                    await conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{table}_default"})
                ).scalar()
                assert default, table
            for (table, index), trigger in POSTGRES_PLAIN_INDEXES.items():
                found = (
                    await conn.execute(
                        text("SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(:t) AND tgname = :g"),
                        {"t": table, "g": trigger},
                    )
                ).scalar()
                assert found == 1, (table, index, trigger)
    await engine.dispose()


async def test_migrations_match_the_models(db_url):
    engine = create_async_engine(db_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True, "include_name": _skip_partitions}),
                metadata,
            )
        )
        if conn.dialect.name == "postgresql":
            diff = [d for d in diff if not _postgres_only(d)]
    await engine.dispose()
    assert diff == [], f"models and migrations differ — write a migration: {diff}"


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready" and body["database"] == "ok"
    assert body["schema_revision"] == body["expected_revision"]
    assert body["redis"] == "ok"


async def test_readyz_is_503_when_the_schema_is_behind(client, app):
    expected = app.state.rectify.head_revision
    async with app.state.rectify.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        r = await client.get("/readyz")
        assert r.status_code == 503 and r.json()["schema_revision"] == "0001"
        assert r.json()["status"] == "not_ready" and r.json()["schema_state"] == "behind"
    finally:  # the PostgreSQL test database is shared by the run
        async with app.state.rectify.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": expected})


async def test_readyz_stays_200_without_redis(db_url, tmp_path, helpers):
    """A queue outage must not pull the API out of service: the outbox holds the writes."""
    import httpx

    from issues_api.main import create_app
    from rectify_shared.settings import Settings

    app = create_app(Settings(database_url=db_url, redis_url="redis://127.0.0.1:1/0", data_dir=tmp_path))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/readyz")
            assert r.status_code == 200 and r.json()["redis"] == "unavailable"
        await helpers.load_demo_into(app)
        admin = await helpers.login(app, "admin", helpers.ADMIN_PASSWORD)  # signing in works without Redis too
        try:
            orgs = await admin.post("/api/v1/orgs", json={"name": "测试单位", "kind": "county", "parent_id": 2})
            assert orgs.status_code == 201, orgs.text
        finally:
            await admin.aclose()


async def test_openapi_documents_every_route_with_examples(client):
    doc = (await client.get("/api/v1/openapi.json")).json()
    paths = doc["paths"]
    for path in (
        "/api/v1/issues",
        "/api/v1/issues/{issue_id}",
        "/api/v1/changes",
        "/api/v1/reports",
        "/api/v1/stats/issues",
        "/api/v1/rounds",
        "/api/v1/orgs",
        "/api/v1/measures/{measure_id}/progress",
    ):
        assert path in paths, path
    schemas = doc["components"]["schemas"]
    for name in (
        "IssueCreate",
        "IssuePatch",
        "RoundCreate",
        "OrgCreate",
        "MeasureCreate",
        "ProgressCreate",
        "ReportRequest",
    ):
        assert schemas[name].get("examples"), f"{name} has no example"
    assert "ErrorResponse" in schemas
