"""GET /api/v1/audit: scoped to the caller's subtree, filtered, keyset-paginated, newest first."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, get_args

import httpx
import pytest
from fastapi import FastAPI

from issues_api.audit import router as audit_router
from issues_api.audit.writer import record_audit
from issues_api.auth.principal import Principal, Role
from issues_api.core.deps import get_session
from issues_api.core.errors import install_error_handlers
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.models.types import utcnow


def principal(org_id: int, path: str, role: Role = Role.office_admin) -> Principal:
    return Principal(kind="user", id=org_id, name=f"user{org_id}", role=role, org_id=org_id, org_path=path)


LEAGUE = principal(1, "/1/")
COUNTY = principal(5, "/1/5/")
OTHER = principal(6, "/1/6/")


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Principal]]]:
    engine = make_engine(db_url)
    writes = make_sessionmaker(engine, info={"audit_key": b"k" * 40})
    reads = make_sessionmaker(engine, write=False)
    async with writes() as session:
        for i in range(7):
            await record_audit(
                session,
                COUNTY,
                "issue.update" if i % 2 else "issue.create",
                "issue",
                i,
                before=None,
                after={"i": i},
                org_path="/1/5/",
            )
        for i in range(3):
            await record_audit(session, OTHER, "measure.update", "measure", i, before=None, after=None, org_path=None)
        await record_audit(session, LEAGUE, "org.create", "org", 5, before=None, after={"name": "旗"}, org_path="/1/")
        await session.commit()

    async def session_override() -> AsyncIterator[Any]:
        async with reads() as session:
            yield session

    caller: dict[str, Principal] = {"who": LEAGUE}
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(audit_router.router)
    app.dependency_overrides[get_session] = session_override
    reader_dependency = get_args(audit_router.AuditReader)[1].dependency
    app.dependency_overrides[reader_dependency] = lambda: caller["who"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test") as client:
        yield client, caller
    await engine.dispose()


async def all_pages(client: httpx.AsyncClient, query: str, limit: int = 3) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"/api/v1/audit?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        r = await client.get(url)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_the_league_sees_its_subtree_newest_first(api: Any) -> None:
    client, _ = api
    items = await all_pages(client, "")
    assert len(items) == 11 and len({i["id"] for i in items}) == 11
    keys = [(i["created_at"], int(i["id"])) for i in items]
    assert keys == sorted(keys, reverse=True)
    first = items[0]
    assert first["action"] == "org.create" and first["after"] == {"name": "旗"} and isinstance(first["id"], str)
    assert set(first) == {
        "id",
        "created_at",
        "chain",
        "seq",
        "actor",
        "actor_role",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
        "request_id",
        "client_addr",
        "peer_chain",
        "hash",
        "prev_hash",
        "hash_alg",
    }


async def test_a_county_sees_only_its_own_records(api: Any) -> None:
    client, caller = api
    caller["who"] = COUNTY
    items = await all_pages(client, "", limit=50)
    assert len(items) == 7 and {i["chain"] for i in items} == {"org:5"}
    caller["who"] = principal(6, "/1/6/", Role.unit_operator)
    items = await all_pages(client, "")
    # with no entity scope given, records take the actor's own org path
    assert [i["entity_type"] for i in items] == ["measure"] * 3


async def test_filters(api: Any) -> None:
    client, _ = api
    assert len(await all_pages(client, "&action=issue.update")) == 3
    assert [i["entity_id"] for i in await all_pages(client, "&entity_type=issue&entity_id=4")] == ["4"]
    assert {i["actor"] for i in await all_pages(client, "&actor=user6")} == {"user6"}
    now = utcnow()
    since = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert len(await all_pages(client, f"&since={since}")) == 11
    assert await all_pages(client, f"&until={since}") == []
    assert await all_pages(client, f"&since={(now + timedelta(hours=1)).isoformat().replace('+', '%2B')}") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("since=2024-12-01T09:00:00", "query.since"), ("cursor=garbage", "query.cursor"), ("limit=0", "query.limit")],
)
async def test_bad_queries_are_422(api: Any, query: str, field: str) -> None:
    client, _ = api
    r = await client.get(f"/api/v1/audit?{query}")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == field


def test_the_route_is_documented_with_an_example() -> None:
    app = FastAPI()
    app.include_router(audit_router.router)
    spec = app.openapi()
    op = spec["paths"]["/api/v1/audit"]["get"]
    assert op["tags"] == ["audit"]
    assert spec["components"]["schemas"]["AuditRead"]["examples"][0]["chain"] == "org:5"
    assert datetime.fromisoformat(spec["components"]["schemas"]["AuditRead"]["examples"][0]["created_at"])
