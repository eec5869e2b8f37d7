"""docker-compose.yml runs as written (Docker cannot run here, so the test does what it would):

each app service's command starts with that service's environment (secrets from a .env made from
.env.example), working directory and volumes, not as root, in a temporary root where everything but
the declared volumes and tmpfs is read-only; PostgreSQL and Redis are this machine's (a fresh
database). The one-shot migrate must exit 0, every other service must pass its own healthcheck,
and a unit's progress report with an evidence file must go through, the file landing in the volume.
"""

import os
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg2
import pytest

from .compose_sandbox import ROOT, Sandbox, Service, load_compose, read_env_file
from .sandbox import unprivileged_prefix

pytestmark = pytest.mark.postgres

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEMO_PASSWORD = "Compose-demo-2026"  # outside the embedded demo the policy applies (docs/security.md)
HEALTHY_WITHIN = 90.0


@pytest.fixture
def fresh_database(pg_server_url: str) -> Iterator[tuple[str, str]]:
    """(the owner's URL, the app role's URL): a fresh database, and a login role for the app as
    deploy/compose/initdb-app-role.sh makes it (here with a name of its own: roles are cluster-wide)."""
    name = f"rectify_compose_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    app_role = f"rectify_api_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_server_url.replace("postgresql://", "postgres://"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
        cur.execute("DO $$ BEGIN CREATE ROLE rectify_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        cur.execute(f"CREATE ROLE {app_role} LOGIN PASSWORD 'app-pw'")
    owner_url = f"{pg_server_url.rsplit('/', 1)[0]}/{name}"
    try:
        yield owner_url, owner_url.replace("://root@", f"://{app_role}@")
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f"DROP ROLE IF EXISTS {app_role}")
        admin.close()


def test_postgres_first_start_makes_the_app_role_compose_connects_as() -> None:
    compose = load_compose(
        {"POSTGRES_PASSWORD": "o", "RECTIFY_DB_APP_PASSWORD": "a", "RECTIFY_JWT_SECRET": "j", "RECTIFY_AUDIT_KEY": "k",
         "RECTIFY_DATA_KEY": "d"}
    )  # fmt: skip
    script = (ROOT / "deploy/compose/initdb-app-role.sh").read_text()
    assert (
        "./deploy/compose/initdb-app-role.sh:/docker-entrypoint-initdb.d/10-app-role.sh:ro"
        in (compose["services"]["postgres"]["volumes"])
    )
    app_user = compose["services"]["issues-api"]["environment"]["DATABASE_URL"].split("://")[1].split(":")[0]
    assert app_user == "rectify_api" and f"CREATE ROLE {app_user} LOGIN" in script
    migrate = compose["services"]["migrate"]["environment"]
    assert migrate["RECTIFY_MIGRATE_DATABASE_URL"].startswith("postgresql://rectify:o@")
    for name in ("issues-api", "notifier", "report-worker"):  # only migrate holds the owner's password
        assert "RECTIFY_MIGRATE_DATABASE_URL" not in compose["services"][name]["environment"]


def test_env_example_lists_every_variable_compose_requires() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    example = read_env_file(ROOT / ".env.example")
    required = {line.split("${", 1)[1].split(":?")[0] for line in text.splitlines() if ":?" in line}
    assert required == {
        "POSTGRES_PASSWORD",
        "RECTIFY_DB_APP_PASSWORD",
        "RECTIFY_JWT_SECRET",
        "RECTIFY_AUDIT_KEY",
        "RECTIFY_DATA_KEY",
    }
    assert required <= example.keys()
    with pytest.raises(KeyError, match="RECTIFY_DB_APP_PASSWORD"):
        load_compose({"POSTGRES_PASSWORD": "x"})  # compose refuses to start without the secrets
    with pytest.raises(KeyError, match="RECTIFY_JWT_SECRET"):
        load_compose({"POSTGRES_PASSWORD": "x", "RECTIFY_DB_APP_PASSWORD": "z"})
    with pytest.raises(KeyError, match="RECTIFY_AUDIT_KEY"):
        load_compose({"POSTGRES_PASSWORD": "x", "RECTIFY_DB_APP_PASSWORD": "z", "RECTIFY_JWT_SECRET": "y"})
    with pytest.raises(KeyError, match="RECTIFY_DATA_KEY"):
        load_compose(
            {
                "POSTGRES_PASSWORD": "x",
                "RECTIFY_DB_APP_PASSWORD": "z",
                "RECTIFY_JWT_SECRET": "y",
                "RECTIFY_AUDIT_KEY": "k",
            }
        )


def test_compose_config_is_valid_when_docker_compose_exists(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("no `docker compose` plugin on this machine")
    env_file = tmp_path / ".env"
    env_file.write_text(
        "POSTGRES_PASSWORD=pw\nRECTIFY_DB_APP_PASSWORD=apw\nRECTIFY_JWT_SECRET=secret\nRECTIFY_AUDIT_KEY=key\n"
        "RECTIFY_DATA_KEY=key\n"
    )
    r = subprocess.run(
        [docker, "compose", "--env-file", str(env_file), "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr


def _start(svc: Service, prefix: list[str], logs: Path) -> None:
    svc.log = logs / f"{svc.name}.log"
    out = svc.log.open("wb")
    svc.proc = subprocess.Popen([*prefix, *svc.command], env=svc.env, cwd=svc.cwd, stdout=out, stderr=subprocess.STDOUT)


def _healthy(svc: Service, prefix: list[str]) -> bool:
    assert svc.healthcheck is not None, f"{svc.name} has no healthcheck"
    r = subprocess.run([*prefix, *svc.healthcheck], env=svc.env, cwd=svc.cwd, capture_output=True, timeout=20)
    return r.returncode == 0


def _tail(svc: Service) -> str:
    return svc.log.read_text(errors="replace")[-3000:] if svc.log else ""


def _report_with_evidence(base: str) -> tuple[int, str]:
    with httpx.Client(base_url=base, timeout=30) as c:
        r = c.post("/api/v1/auth/token", data={"username": "abgq", "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        up = c.post("/api/v1/attachments", files={"file": ("整改照片.pdf", PDF, "application/pdf")})
        assert up.status_code == 201, up.text
        for issue in c.get("/api/v1/issues", params={"limit": 50}).json()["items"]:
            r = c.post(f"/api/v1/issues/{issue['id']}/progress", json={"text": "已完成矿坑回填，附照片。"})
            if r.status_code == 201:
                link = c.post(
                    f"/api/v1/attachments/{up.json()['id']}/links",
                    json={"target_kind": "progress_report", "target_id": r.json()["id"]},
                )
                assert link.status_code == 201, link.text
                return int(r.json()["id"]), str(up.json()["sha256"])
        raise AssertionError("the unit could report on none of its tasks")


def test_every_service_starts_unprivileged_on_a_read_only_root_and_a_report_goes_through(
    tmp_path: Path, fresh_database: tuple[str, str], redis_url: str
) -> None:
    prefix, who = unprivileged_prefix()
    dotenv = {
        **read_env_file(ROOT / ".env.example"),
        "POSTGRES_PASSWORD": "compose-test-pw",
        "RECTIFY_DB_APP_PASSWORD": "app-pw",
        "RECTIFY_JWT_SECRET": secrets.token_urlsafe(48),
        "RECTIFY_AUDIT_KEY": secrets.token_urlsafe(48),
        "RECTIFY_DATA_KEY": secrets.token_urlsafe(48),
    }
    compose = load_compose(dotenv)
    owner_db, app_db = (url.split("://", 1)[1] for url in fresh_database)
    sandbox = Sandbox(
        tmp_path / "root",
        {
            f"rectify:{dotenv['POSTGRES_PASSWORD']}@postgres:5432/rectify": owner_db,
            f"rectify_api:{dotenv['RECTIFY_DB_APP_PASSWORD']}@postgres:5432/rectify": app_db,
            "redis://redis:6379/0": redis_url,
        },
    )
    services = {n: sandbox.service(n, spec) for n, spec in compose["services"].items() if "build" in spec}
    assert set(services) == {"migrate", "issues-api", "notifier", "report-worker"}
    prefix_env = f"compose{uuid.uuid4().hex[:8]}"
    for svc in services.values():
        assert "postgres:5432" not in svc.env["DATABASE_URL"] and "@" not in svc.env["REDIS_URL"].split("//")[1][:1]
        svc.env["RECTIFY_QUEUE_PREFIX"] = prefix_env  # this Redis is shared with other tests
    logs = tmp_path / "logs"
    logs.mkdir()
    sandbox.seal(list(services.values()))
    try:
        migrate = services.pop("migrate")
        _start(migrate, prefix, logs)
        assert migrate.proc is not None and migrate.proc.wait(timeout=180) == 0, _tail(migrate)
        # an operator's first step (here: the demo accounts), run like the migrate container
        demo = subprocess.run(
            [*prefix, sandbox._exe("rectify"), "load-demo"],
            env={**migrate.env, "RECTIFY_DEMO_PASSWORD": DEMO_PASSWORD, "RECTIFY_ADMIN_PASSWORD": "Compose-admin-2026"},
            cwd=migrate.cwd,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        for svc in services.values():
            _start(svc, prefix, logs)
        deadline = time.monotonic() + HEALTHY_WITHIN
        waiting = set(services)
        while waiting and time.monotonic() < deadline:
            for name in sorted(waiting):
                svc = services[name]
                assert svc.proc is not None and svc.proc.poll() is None, f"{name} exited ({who}):\n{_tail(svc)}"
                if _healthy(svc, prefix):
                    waiting.discard(name)
            time.sleep(0.5)
        assert not waiting, {n: _tail(services[n]) for n in waiting}

        _, sha = _report_with_evidence(f"http://127.0.0.1:{sandbox.api_port}")
        volume = sandbox.root / "volumes" / "rectify-data"
        assert (volume / "attachments" / sha[:2] / sha[2:4] / sha).read_bytes() == PDF
        assert {p.name for p in (volume / "heartbeat").iterdir()} >= {"notifier.heartbeat", "report-worker.heartbeat"}
        # the services ran as the app's own role: it owns no table and cannot rewrite the audit trail
        conn = psycopg2.connect(fresh_database[1].replace("postgresql://", "postgres://"))
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
                assert cur.fetchone() == (0,)
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute("UPDATE audit_record SET actor = 'x'")
        finally:
            conn.close()
        # the read-only parts stayed empty: nothing was written beside the volumes
        assert not any((sandbox.root / "rootfs" / "app").iterdir())
        for svc in services.values():
            text = svc.log.read_text(errors="replace") if svc.log else ""
            assert "storage_not_writable" not in text and "Traceback" not in text, (svc.name, text[-3000:])
    finally:
        for svc in services.values():
            if svc.proc is not None and svc.proc.poll() is None:
                svc.proc.terminate()
        for svc in services.values():
            if svc.proc is not None:
                try:
                    svc.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    svc.proc.kill()
        sandbox.unseal()
