"""The Kubernetes manifests (Kustomize base, Helm chart) and the systemd units start as written.

No cluster runs here, so the test does what one would: every container of the rendered objects (the
migrate Job, the api's init container, the api, notifier, report-worker, both scheduler containers,
the backup CronJob) starts with the environment its manifest gives it, not as root, on a read-only
root with only its declared volumes writable (tests/deploy/manifest_sandbox.py), against this
machine's PostgreSQL and Redis — with two database roles as production has them: the tables' owner
(the migrate Secret only) and the app's own login role (every pod). The migrate Job must exit 0, the
api must answer /readyz and /healthz, every worker must pass its liveness probe, and the app's role
must not own the tables nor be able to rewrite the audit trail. The systemd units likewise.
"""

import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from .compose_sandbox import ROOT
from .db_roles import deploy_roles
from .manifest_sandbox import Process, Root, http_ok, k8s_processes, read_env_file, systemd_process, timer_probe
from .sandbox import unprivileged_prefix

pytestmark = pytest.mark.postgres

DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "vm" / "systemd"
HEALTHY_WITHIN = 150.0


def _load_check() -> Any:
    import importlib.util

    sys.path.insert(0, str(DEPLOY))
    spec = importlib.util.spec_from_file_location("deploy_check_run", DEPLOY / "check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def roles(pg_server_url: str) -> Iterator[dict[str, str]]:
    """A fresh database owned by a non-superuser owner role, and the app's own login role (the DBA's
    steps in deploy/README.md)."""
    with deploy_roles(pg_server_url) as made:
        yield made


def _secrets(roles: dict[str, str], redis_url: str) -> tuple[dict[str, str], dict[str, str]]:
    """What an operator puts in the two Secrets (the app's; the owner's)."""
    app = {
        "DATABASE_URL": roles["app_url"],
        "DATABASE_RO_URL": roles["app_url"],
        "REDIS_URL": redis_url,
        "RECTIFY_JWT_SECRET": secrets.token_urlsafe(48),
        "RECTIFY_AUDIT_KEY": secrets.token_urlsafe(48),
        "RECTIFY_DATA_KEY": secrets.token_urlsafe(48),
        "RECTIFY_S3_ACCESS_KEY_ID": "AKID-test",
        "RECTIFY_S3_SECRET_ACCESS_KEY": secrets.token_urlsafe(24),
    }
    return app, {"RECTIFY_MIGRATE_DATABASE_URL": roles["owner_url"]}


def _kustomize_base(app: dict[str, str], owner: dict[str, str]) -> list[dict[str, Any]]:
    """`kubectl kustomize deploy/k8s/base` with the Secrets' placeholders replaced, as an operator does."""
    check = _load_check()
    objs = check.kustomize(DEPLOY / "k8s" / "base")
    for obj in objs:
        if obj["kind"] == "Secret":
            wanted = owner if obj["metadata"]["name"].endswith("-migrate") else app
            data = obj["stringData"]
            assert set(data) == set(wanted), (obj["metadata"]["name"], set(data) ^ set(wanted))
            assert all("CHANGE-ME" in v for v in data.values()), "the base ships placeholders, nothing real"
            obj["stringData"] = dict(wanted)
    return objs


def _helm(app: dict[str, str], owner: dict[str, str]) -> list[dict[str, Any]]:
    check = _load_check()
    return list(check.render_chart(check.with_secrets(check.gen.values_for(None), app, owner), release="prod"))


def _pods(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each workload's pod template, by `<kind>/<name>`."""
    out = {}
    for obj in objs:
        key = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] == "Deployment":
            out[key] = obj["spec"]["template"]
        elif obj["kind"] == "Job":
            out[key] = obj["spec"]["template"]
        elif obj["kind"] == "CronJob":
            out[key] = obj["spec"]["jobTemplate"]["spec"]["template"]
    return out


class Runner:
    def __init__(self, tmp: Path, prefix: list[str], queue_prefix: str) -> None:
        self.prefix, self.queue_prefix = prefix, queue_prefix
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.running: list[tuple[Process, subprocess.Popen[bytes], Path]] = []

    def _env(self, proc: Process) -> dict[str, str]:
        env = {**proc.env, "RECTIFY_QUEUE_PREFIX": self.queue_prefix}  # this Redis is shared with other tests
        env["PATH"] = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
        for keep in ("PYTHONPATH", "LANG"):
            if keep in os.environ:
                env[keep] = os.environ[keep]
        return env

    def once(self, proc: Process, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, *proc.argv],
            env=self._env(proc),
            cwd=proc.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, proc: Process) -> None:
        log = self.logs / f"{proc.name.replace('/', '_')}.log"
        popen = subprocess.Popen(
            [*self.prefix, *proc.argv],
            env=self._env(proc),
            cwd=proc.cwd,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.running.append((proc, popen, log))

    def healthy(self, proc: Process) -> bool:
        for kind, what in proc.probes:
            if kind == "http":
                assert proc.port is not None
                if not http_ok(proc.port, what):
                    return False
            else:
                r = subprocess.run(
                    [*self.prefix, *what], env=self._env(proc), cwd=proc.cwd, capture_output=True, timeout=30
                )
                if r.returncode != 0:
                    return False
        return True

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTHY_WITHIN
        waiting = {p.name for p, _, _ in self.running}
        while waiting and time.monotonic() < deadline:
            for proc, popen, log in self.running:
                if proc.name not in waiting:
                    continue
                assert popen.poll() is None, f"{proc.name} exited {popen.returncode}:\n{log.read_text()[-3000:]}"
                if self.healthy(proc):
                    waiting.discard(proc.name)
            time.sleep(1)
        assert not waiting, {n: log.read_text()[-2000:] for p, _, log in self.running for n in [p.name] if n in waiting}

    def logs_clean(self) -> None:
        for proc, _, log in self.running:
            text = log.read_text(errors="replace")
            for bad in ("Traceback", "storage_not_writable", "permission denied", "Read-only file system"):
                assert bad not in text, (proc.name, text[-3000:])

    def stop(self) -> None:
        for _, popen, _ in self.running:
            if popen.poll() is None:
                popen.terminate()
        for _, popen, _ in self.running:
            try:
                popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                popen.kill()


def _assert_least_privilege(roles: dict[str, str], app_env: dict[str, str]) -> None:
    """The pods connect as the app's role, which owns nothing and cannot rewrite the audit trail."""
    assert roles["app"] in app_env["DATABASE_URL"] and "RECTIFY_MIGRATE_DATABASE_URL" not in app_env
    conn = psycopg2.connect(roles["app_url"].replace("postgresql://", "postgres://"))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
            assert cur.fetchone() == (0,)
            cur.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_record'")
            assert cur.fetchone() == (roles["owner"],)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("UPDATE audit_record SET actor = 'x'")
    finally:
        conn.close()


def _run_kubernetes(objs: list[dict[str, Any]], roles: dict[str, str], tmp: Path, queue_prefix: str) -> None:
    prefix, who = unprivileged_prefix()
    root = Root(tmp / "root", {})
    pods = _pods(objs)
    (migrate_key,) = [k for k in pods if k.startswith("Job/")]
    (backup_key,) = [k for k in pods if k.startswith("CronJob/") and k.endswith("-backup")]
    (partitions_key,) = [k for k in pods if k.startswith("CronJob/") and k.endswith("-partitions")]
    migrate = k8s_processes(root, migrate_key, pods[migrate_key], objs)
    backup = k8s_processes(root, backup_key, pods[backup_key], objs)
    partitions = k8s_processes(root, partitions_key, pods[partitions_key], objs)
    deployments = {k: v for k, v in pods.items() if k.startswith("Deployment/")}
    assert {k.rsplit("-", 1)[-1] for k in deployments} >= {"api", "notifier", "worker", "scheduler"}
    inits = [p for k, pod in deployments.items() for p in k8s_processes(root, k, pod, objs, init=True)]
    long_running = [p for k, pod in deployments.items() for p in k8s_processes(root, k, pod, objs)]
    for proc in [*migrate, *inits, *long_running]:
        sec = proc.security
        assert sec.get("readOnlyRootFilesystem") and sec.get("runAsNonRoot"), proc.name
        assert proc.env.get("RECTIFY_ENV") == "production" and proc.env.get("RECTIFY_AUDIT_KEY"), proc.name
    for proc in [*inits, *long_running]:
        _ = proc.env["DATABASE_URL"]
        assert "RECTIFY_MIGRATE_DATABASE_URL" not in proc.env, f"{proc.name} holds the owner's credentials"
    root.seal()
    runner = Runner(tmp, prefix, queue_prefix)
    try:
        r = runner.once(migrate[0])
        assert r.returncode == 0, f"migrate Job ({who}):\n{r.stdout}\n{r.stderr}"
        assert "member of rectify_app" in r.stdout, r.stdout
        for init in inits:
            r = runner.once(init, timeout=120)
            assert r.returncode == 0, f"{init.name}:\n{r.stdout}\n{r.stderr}"
        for proc in long_running:
            runner.start(proc)
        runner.wait_healthy()
        api = next(p for p in long_running if p.port)
        assert {probe for kind, probe in api.probes if kind == "http"} == {"/readyz", "/healthz"}
        _assert_least_privilege(roles, api.env)
        # the nightly partition upkeep runs as the owner (the app's role could not create them)
        r = runner.once(partitions[0], timeout=120)
        assert r.returncode == 0 and "audit_record" in r.stdout, f"partitions CronJob:\n{r.stdout}\n{r.stderr}"
        if shutil.which("pg_dump"):
            r = runner.once(backup[0], timeout=120)
            assert r.returncode == 0, f"backup CronJob:\n{r.stdout}\n{r.stderr}"
            assert ".dump" in r.stdout
        runner.logs_clean()
    finally:
        runner.stop()
        root.unseal()


def test_the_shipped_placeholders_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    """The Kustomize base as shipped (CHANGE-ME): `rectify serve` refuses to start and says why."""
    check = _load_check()
    objs = check.kustomize(DEPLOY / "k8s" / "base")
    api = _pods(objs)["Deployment/rectify-api"]
    root = Root(tmp_path / "root", {})
    (proc,) = k8s_processes(root, "api", api, objs)
    runner = Runner(tmp_path, unprivileged_prefix()[0], "unused")
    r = runner.once(proc, timeout=60)
    assert r.returncode != 0
    assert "RECTIFY_JWT_SECRET is empty or a placeholder" in r.stderr and "audit key" in r.stderr, r.stderr


@pytest.mark.parametrize("source", ["kustomize-base", "helm-default"])
def test_kubernetes_pods_start_as_rendered(source: str, roles: dict[str, str], redis_url: str, tmp_path: Path) -> None:
    app, owner = _secrets(roles, redis_url)
    objs = _kustomize_base(app, owner) if source == "kustomize-base" else _helm(app, owner)
    _run_kubernetes(objs, roles, tmp_path, f"k8s{uuid.uuid4().hex[:8]}")


def test_systemd_units_start_as_written(roles: dict[str, str], redis_url: str, tmp_path: Path) -> None:
    app, owner = _secrets(roles, redis_url)
    # /etc/rectify/*.env from the examples, every CHANGE-ME replaced; the site's Sentinels are not here
    env_files = {}
    for path, values in (("rectify.env", app), ("migrate.env", owner)):
        example = read_env_file((SYSTEMD / f"{path}.example").read_text())
        placeholders = {k for k, v in example.items() if "CHANGE-ME" in v}
        assert placeholders <= set(values), placeholders - set(values)
        assert placeholders, path
        merged = {**example, **{k: values[k] for k in placeholders}}
        merged.pop("REDIS_SENTINELS", None)
        env_files[f"/etc/rectify/{path}"] = "\n".join(f"{k}={v}" for k, v in merged.items())
    prefix, who = unprivileged_prefix()
    root = Root(tmp_path / "root", {})
    (migrate,) = systemd_process(root, SYSTEMD / "rectify-migrate.service", env_files)
    api_pre = systemd_process(root, SYSTEMD / "rectify-api.service", env_files, "ExecStartPre")
    (api,) = systemd_process(root, SYSTEMD / "rectify-api.service", env_files)
    api.probes = [("http", "/readyz"), ("http", "/healthz")]
    workers = []
    for name in ("notifier", "report-worker"):
        (proc,) = systemd_process(root, SYSTEMD / f"rectify-{name}.service", env_files)
        proc.probes = [("exec", timer_probe(SYSTEMD / f"rectify-{name}-alive.service"))]
        workers.append(proc)
    for proc in (api, *workers):
        assert proc.env["RECTIFY_ENV"] == "production" and "RECTIFY_MIGRATE_DATABASE_URL" not in proc.env
    root.seal()
    runner = Runner(tmp_path, prefix, f"sd{uuid.uuid4().hex[:8]}")
    try:
        r = runner.once(migrate)
        assert r.returncode == 0, f"rectify-migrate ({who}):\n{r.stdout}\n{r.stderr}"
        for pre in api_pre:
            r = runner.once(pre, timeout=120)
            assert r.returncode == 0, r.stdout + r.stderr
        for proc in (api, *workers):
            runner.start(proc)
        runner.wait_healthy()
        _assert_least_privilege(roles, api.env)
        runner.logs_clean()
    finally:
        runner.stop()
        root.unseal()


def test_the_chart_names_each_missing_secret(tmp_path: Path) -> None:
    """Helm `required`: a release without the audit key (or the owner's URL) stops with a message naming it."""
    import helm_python

    check = _load_check()
    values = check.with_secrets(check.gen.values_for(None))
    del values["secret"]["values"]["RECTIFY_AUDIT_KEY"]
    with pytest.raises(helm_python.HelmError, match=r"secret\.values\.RECTIFY_AUDIT_KEY is required"):
        check.render_chart(values)
    values = check.with_secrets(check.gen.values_for(None), migrate_secrets={})
    with pytest.raises(helm_python.HelmError, match=r"migrateSecret\.values\.RECTIFY_MIGRATE_DATABASE_URL is required"):
        check.render_chart(values)
    values = check.with_secrets(check.gen.values_for(None), migrate_secrets={})
    values["migrateSecret"]["existingSecret"] = "rectify-owner"
    job = next(o for o in check.render_chart(values) if o["kind"] == "Job")
    assert {"secretRef": {"name": "rectify-owner"}} in job["spec"]["template"]["spec"]["containers"][0]["envFrom"]
