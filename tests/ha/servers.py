"""Real servers for `make test-ha` (no tests here): PostgreSQL nodes (primary, streaming replica),
PgBouncer and Redis with Sentinel, each on a free loopback port, started and stopped by the tests.

PostgreSQL refuses to run as root, so `initdb`, `pg_ctl` and PgBouncer run as the `postgres`
user (`runuser`) in a directory of their own under /tmp (pytest's tmp_path is not reachable by
another user).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg2

PG_BIN = Path(os.environ.get("RECTIFY_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_OS_USER = "postgres"
DB = "rectify"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def as_pg_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_OS_USER, "--", *args]
    return args


def run(args: list[str], timeout: float = 120) -> None:
    done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")


def missing_tools() -> list[str]:
    needed = [str(PG_BIN / "initdb"), str(PG_BIN / "pg_ctl"), str(PG_BIN / "pg_basebackup")]
    return [t for t in needed if not Path(t).exists()]


@contextmanager
def workdir() -> Iterator[Path]:
    """A directory the postgres user owns, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="rectify-ha-"))
    if os.geteuid() == 0:
        shutil.chown(path, PG_OS_USER)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class PgNode:
    """One PostgreSQL server: `initdb` (a primary) or `pg_basebackup -R` of another (a replica)."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.datadir = root / name
        self.logfile = root / f"{name}.log"
        self.port = free_port()

    # -- URLs
    def dsn(self, db: str = DB) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        conn = psycopg2.connect(self.dsn(), connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    # -- life cycle
    def _settings(self, extra: dict[str, str]) -> None:
        lines = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.datadir}'",
            "fsync": "off",  # one box, processes killed but never the machine: the page cache survives
            "wal_level": "replica",
            "max_wal_senders": "5",
            "hot_standby": "on",
            "max_connections": "100",
            **extra,
        }
        with (self.datadir / "postgresql.conf").open("a") as f:
            f.write("\n# rectify test-ha\n" + "".join(f"{k} = {v}\n" for k, v in lines.items()))

    def init_primary(self, **settings: str) -> None:
        run(as_pg_user([str(PG_BIN / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--locale=C.UTF-8"]))  # fmt: skip
        self._settings(settings)
        self.start()
        _create_db(self)

    def init_replica_of(self, primary: "PgNode") -> None:
        run(as_pg_user([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                        "-D", str(self.datadir), "-R", "-X", "stream", "--checkpoint=fast"]))  # fmt: skip
        self._settings({"synchronous_standby_names": "''"})
        self.start()

    def start(self) -> None:
        run(as_pg_user([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60",
                        "start"]))  # fmt: skip

    def stop_immediate(self) -> None:
        """The crash of a primary: every server process quits at once, no shutdown checkpoint."""
        run(as_pg_user([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"]))

    def promote(self) -> None:
        run(as_pg_user([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60", "promote"]))

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            subprocess.run(as_pg_user([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop"]),
                           capture_output=True, timeout=60, check=False)  # fmt: skip

    def reload(self, **settings: str) -> None:
        for key, value in settings.items():
            self.query(f"ALTER SYSTEM SET {key} = %s", (value,))
        self.query("SELECT pg_reload_conf()")

    def wait_replayed(self, primary: "PgNode", seconds: float = 30) -> None:
        """Until this replica has replayed everything the primary has written so far."""
        [(lsn,)] = primary.query("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            [(caught_up,)] = self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))
            if caught_up:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} did not replay up to {lsn}")


def _create_db(node: PgNode) -> None:
    conn = psycopg2.connect(node.dsn("postgres"), connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {DB}")
    conn.close()


class PgBouncer:
    """PgBouncer in transaction mode in front of one PostgreSQL node, as the postgres user."""

    def __init__(self, root: Path, backend: PgNode, *, pool_size: int = 4, reset_always: bool = True) -> None:
        """`pool_size` server connections for all clients; `reset_always=False` is PgBouncer's own
        default in transaction mode (no DISCARD ALL between transactions: session state left by
        one client's transaction would reach the next)."""
        self.root = root
        self.backend = backend
        self.pool_size = pool_size
        self.reset_always = reset_always
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DB}"

    def start(self) -> None:
        exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        ini = self.root / "pgbouncer.ini"
        (self.root / "userlist.txt").write_text('"postgres" ""\n')
        ini.write_text(
            "[databases]\n"
            f"{DB} = host=127.0.0.1 port={self.backend.port} dbname={DB}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            # few server connections for many clients: transactions of different clients share them
            f"default_pool_size = {self.pool_size}\nmax_client_conn = 200\n"
            f"server_reset_query = DISCARD ALL\nserver_reset_query_always = {int(self.reset_always)}\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.root / 'pgbouncer.log'}\n"
            f"pidfile = {self.root / 'pgbouncer.pid'}\n"
        )
        if os.geteuid() == 0:
            for p in (ini, self.root / "userlist.txt"):
                shutil.chown(p, PG_OS_USER)
        self.proc = subprocess.Popen(as_pg_user([exe, str(ini)]), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start: {(self.root / 'pgbouncer.log').read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        pidfile = self.root / "pgbouncer.pid"
        if pidfile.exists():  # runuser's child, not ours: signal it by its pid file
            with suppress(ProcessLookupError, ValueError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
