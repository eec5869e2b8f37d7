"""A live Rectify started as its operators start it (`rectify run`, or migrate + load-demo + serve
in one interpreter), for the tests that drive it over HTTP from outside: the console's browser
tests and the Node client. One way to start it, wait for it and stop it."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

RECTIFY = Path(sys.executable).with_name("rectify")
#: `rectify migrate`, `rectify load-demo` and `rectify serve` in one interpreter (one start-up, not three)
SERVE_DEMO = [
    sys.executable,
    "-c",
    "import sys; from issues_api.cli import main; main(['migrate']); main(['load-demo']); sys.exit(main(['serve']))",
]
RUN = [str(RECTIFY), "run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def embedded_env(data_dir: Path, port: int, **settings: str) -> dict[str, str]:
    """This process's environment on the embedded default (no DATABASE_URL or REDIS_URL from the
    test run leaks in), its data under `data_dir`, listening on `port`, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "RECTIFY_REDIS_URL")}
    env.update(RECTIFY_DATA_DIR=str(data_dir / "var"), RECTIFY_PORT=str(port), **settings)
    return env


@contextmanager
def live_system(argv: list[str], env: Mapping[str, str], log_path: Path, *, wait_seconds: float = 240) -> Iterator[str]:
    """Start `argv`, yield its base URL once `/readyz` answers 200, stop it (SIGINT, then kill).
    A process that exits or is not ready within `wait_seconds` (a loaded 2-core machine) fails
    with the end of its log."""
    port = int(env["RECTIFY_PORT"])
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    # ready, and the port ours: another system that took the port between `free_port`
                    # and this one's bind answers /readyz too (seen under xdist: this one then failed
                    # to bind and its test signed in to the other one)
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200 and _listens(proc, port):
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{' '.join(argv[-1:])} did not start:\n{tail(log_path)}")
                time.sleep(0.3)
            yield base
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _listens(proc: subprocess.Popen[bytes], port: int) -> bool:
    """Whether `proc` or one of its children listens on `port`."""
    import psutil

    try:
        root = psutil.Process(proc.pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for p in family:
        try:
            if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in p.net_connections("tcp")):
                return True
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return False


def tail(log_path: Path, chars: int = 3000) -> str:
    return log_path.read_text(errors="replace")[-chars:] if log_path.exists() else "(no log)"


def signed_in(base: str, username: str, password: str) -> httpx.Client:
    """An API client (base URL `…/api/v1`) carrying the bearer token of `username`."""
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password}, timeout=60)
    assert token.status_code == 200, token.text
    return httpx.Client(
        base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=60
    )
