"""A database that is gone for a moment answers 503 (Retry-After: 1, zh + en), never a 500.

PostgreSQL only: the connections are killed with pg_terminate_backend, or the app is pointed at a
port nobody listens on. Bad values the database refuses stay 422 (they are not outages).
"""

import dataclasses
import socket
from typing import Any

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from rectify_shared.db import make_engine, make_sessionmaker

pytestmark = pytest.mark.postgres

UNAVAILABLE_ZH = "数据库暂时不可用，请稍后重试"


@pytest.fixture(autouse=True)
def _postgresql_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("connection faults of PostgreSQL (SQLite has no server to lose)")


def _terminate_connections(db_url: str) -> int:
    """Kill every server connection to the test database but our own; returns how many."""
    url = make_url(db_url)
    conn = psycopg2.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.database,),
        )
        killed = cur.fetchone()[0]
    conn.close()
    return int(killed)


def _assert_unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "1"
    err = r.json()["error"]
    assert err["code"] == "database_unavailable"
    assert err["message"] == UNAVAILABLE_ZH and "unavailable" in err["message_en"]


async def _first_issue(client: Any) -> int:
    r = await client.get("/api/v1/issues", params={"limit": 1})
    assert r.status_code == 200, r.text
    return int(r.json()["items"][0]["id"])


async def test_terminated_connections_are_replaced_or_answered_503(client: Any, db_url: str) -> None:
    issue_id = await _first_issue(client)
    assert _terminate_connections(db_url) >= 1  # the pool held at least one
    for path in ("/api/v1/issues", f"/api/v1/issues/{issue_id}", "/api/v1/stats/issues"):
        r = await client.get(path)
        assert r.status_code in (200, 503), (path, r.status_code, r.text)
        if r.status_code == 503:
            _assert_unavailable(r)
    # pre-ping on (the default): the dead connections were swapped before use
    assert (await client.get(f"/api/v1/issues/{issue_id}")).status_code == 200


async def test_without_pre_ping_a_dead_connection_is_a_503_and_the_next_request_recovers(
    app: Any, client: Any, db_url: str
) -> None:
    engine = make_engine(db_url, pool_size=2, pre_ping=False)
    app.state.rectify = dataclasses.replace(
        app.state.rectify, engine=engine, read_sessions=make_sessionmaker(engine, write=False)
    )  # the fast reads take connections from the engine itself
    try:
        issue_id = await _first_issue(client)  # the pool now holds a connection ...
        _terminate_connections(db_url)  # ... that the server kills
        _assert_unavailable(await client.get(f"/api/v1/issues/{issue_id}"))
        assert (await client.get(f"/api/v1/issues/{issue_id}")).status_code == 200
    finally:
        await engine.dispose()


async def test_a_database_that_refuses_connections_is_a_503(app: Any, client: Any, db_url: str) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    closed = make_url(db_url).set(port=port)
    engine = make_engine(closed.render_as_string(hide_password=False), pool_size=1)
    sessions = make_sessionmaker(engine, write=False)
    app.state.rectify = dataclasses.replace(
        app.state.rectify, engine=engine, read_sessions=sessions, write_sessions=sessions
    )
    try:
        _assert_unavailable(await client.get("/api/v1/issues"))
    finally:
        await engine.dispose()


async def test_values_the_database_refuses_are_still_422(client: Any) -> None:
    r = await client.get(f"/api/v1/issues/{10**20}")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "value_out_of_range"
