"""PostgreSQL restarted (`pg_ctl restart -m fast`, then `-m immediate`) under a load of writes.

The shared server is never touched: the test runs a private cluster (`initdb` as the `postgres`
user when run as root, a socket directory and a free port of its own) and the issues-api in
process on it. A writer makes escalations and a reader lists issues, without pause, every answer
logged. After each restart:

* every request succeeds again within 5 s of the server being back (the measured time, and the
  answers given meanwhile, go to tests/faults/results/pg_restart.json);
* no write that got a 2xx is missing afterwards — the escalation and its outbox event.

Short in `make test` (one restart of each kind); under `make test-faults` RECTIFY_FAULT_PG_RESTARTS
(default 5) of each. Skipped with the reason when initdb / runuser are not there (CI=true fails).
"""

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ..fault_servers import free_port
from .outage import Write, Writer, record_result

PG_BIN = Path(os.environ.get("RECTIFY_PG_BIN", "/usr/lib/postgresql/15/bin"))
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
RECOVERY_BOUND = 5.0
LONG_RESTARTS = int(os.environ.get("RECTIFY_FAULT_PG_RESTARTS", "5"))


class PrivateCluster:
    """A throw-away PostgreSQL cluster on a free port; commands run as `postgres` when we are root."""

    def __init__(self) -> None:
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise FileNotFoundError("runuser (initdb refuses to run as root)")
            self.as_user = [runuser, "-u", "postgres", "--"]
        if not (PG_BIN / "initdb").exists():
            raise FileNotFoundError(f"{PG_BIN}/initdb")
        self.dir = Path(tempfile.mkdtemp(prefix="rectify-pg-"))
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.log = self.dir / "server.log"

    def run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}\n{done.stderr}"

    def pg_ctl(self, *args: str) -> float:
        """Runs pg_ctl (waiting for it to finish); the monotonic time it finished at."""
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.log), "-w", *args)
        return time.monotonic()

    def start(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "root", "-E", "UTF8")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-o", opts, "start")
        self.run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "root", "rectify")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://root@127.0.0.1:{self.port}/rectify"

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        if os.environ.get("RECTIFY_PG_KEEP_LOG"):
            shutil.copy(self.log, os.environ["RECTIFY_PG_KEEP_LOG"])
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    try:
        server = PrivateCluster()
    except FileNotFoundError as exc:
        if CI:
            pytest.fail(f"CI=true and a private PostgreSQL cluster cannot be made: {exc} is missing")
        pytest.skip(f"a private PostgreSQL cluster needs {exc}")
    try:
        server.start()
        yield server
    finally:
        server.stop()


async def reader(client: Any, log: list[Write], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            r = await client.get("/api/v1/issues?limit=20")
            log.append(Write(started, r.status_code, time.monotonic() - started))
        except Exception as exc:
            log.append(Write(started, 0, time.monotonic() - started, error=f"{type(exc).__name__}: {exc}"[:300]))
        await asyncio.sleep(0.05)


def recovery(requests: list[Write], began: float, back_at: float, until: float) -> tuple[float, Counter[str]]:
    """(seconds from the server's return to the last failed request's end, what failed since `began`)."""
    failed = [w for w in requests if began <= w.at + w.seconds and w.at < until and not 200 <= w.status < 300]
    answers = Counter(str(w.status or w.error.split(":")[0]) for w in failed)
    last = max((w.at + w.seconds for w in failed), default=back_at)
    return max(0.0, last - back_at), answers


async def restart_run(cluster: PrivateCluster, redis_url: str, tmp_path: Path, helpers: Any, restarts: int) -> None:
    from issues_api.main import create_app
    from issues_api.schema import upgrade
    from rectify_shared.models import Escalation, OutboxEvent
    from rectify_shared.settings import Settings

    await asyncio.to_thread(upgrade, cluster.url)
    settings = Settings(
        database_url=cluster.url, redis_url=redis_url, data_dir=tmp_path,
        queue_prefix=f"rectify-pg-restart-{uuid.uuid4().hex[:8]}", rate_limit="", log_level="WARNING",
        log_json=True,  # as in production: a console traceback with locals takes seconds per error
    )  # fmt: skip
    app = create_app(settings)
    measured: list[dict[str, Any]] = []
    async with app.router.lifespan_context(app):
        await helpers.load_demo_into(app)
        client = await helpers.login(app, "admin", helpers.ADMIN_PASSWORD)
        try:
            issue_ids = [i["id"] for i in (await client.get("/api/v1/issues?limit=100")).json()["items"]]
            writer, reads, stop = Writer(client, issue_ids), list[Write](), asyncio.Event()
            load = [asyncio.create_task(writer.run()), asyncio.create_task(reader(client, reads, stop))]
            await asyncio.sleep(1.0)
            for mode in ["fast", "immediate"] * restarts:
                began = time.monotonic()
                back_at = await asyncio.to_thread(cluster.pg_ctl, "-m", mode, "restart")
                await asyncio.sleep(RECOVERY_BOUND + 1.0)
                seconds, answers = recovery([*writer.writes, *reads], began, back_at, time.monotonic())
                ok_after = [w for w in [*writer.writes, *reads] if w.at > back_at + seconds]
                measured.append({"mode": mode, "restart_seconds": round(back_at - began, 2),
                                 "recovery_seconds": round(seconds, 2), "failed_answers": dict(answers),
                                 "requests_after": len(ok_after)})  # fmt: skip
            writer.stop.set()
            stop.set()
            await asyncio.gather(*load)
        finally:
            await client.aclose()
        acknowledged = writer.acknowledged()
        ids = [e["id"] for e in acknowledged]
        async with app.state.rectify.write_sessions() as s:
            stored = set((await s.execute(select(Escalation.id).where(Escalation.id.in_(ids)))).scalars())
            events = (
                await s.execute(
                    select(func.count(func.distinct(OutboxEvent.aggregate_id))).where(
                        OutboxEvent.event_type == "escalation.issued", OutboxEvent.aggregate_id.in_(ids)
                    )
                )
            ).scalar_one()

    figures = {"restarts": measured, "writes_acknowledged": len(ids), "reads": len(reads)}
    record_result("pg_restart", restarts > 1, figures)
    assert len(ids) > 0 and len(reads) > 0
    assert set(ids) == stored, f"acknowledged escalations missing after the restarts: {sorted(set(ids) - stored)[:10]}"
    assert events == len(ids), "an acknowledged escalation lost its outbox event"
    for m in measured:
        assert m["recovery_seconds"] <= RECOVERY_BOUND, f"requests still failing {m['recovery_seconds']}s after: {m}"
        assert m["requests_after"] > 0, f"no request went through after the {m['mode']} restart"


async def test_pg_restart_short(cluster, redis_url, tmp_path, helpers):
    await restart_run(cluster, redis_url, tmp_path, helpers, restarts=1)


@pytest.mark.faults
async def test_pg_restart_long(cluster, redis_url, tmp_path, helpers):
    await restart_run(cluster, redis_url, tmp_path, helpers, restarts=LONG_RESTARTS)
