"""Worker heartbeats: a file per service that the worker's poll loop touches, and its check.

An arq worker can stay alive yet stop consuming (e.g. stuck on a connection to a Redis master
that a Sentinel failover demoted). The heartbeat is written only after a poll of the queue
succeeded, so its age says "this worker still reads its queue". A file (not a Redis key) lets a
Kubernetes exec probe or a systemd watchdog check it without Redis:

    python -m rectify_shared.heartbeat notifier --max-age 60     # exit 0 alive, 1 stale/missing
    rectify worker-alive --service notifier --max-age 60          # the same, from the rectify CLI
"""

import argparse
import os
import time
from pathlib import Path

SERVICES = ("notifier", "report-worker")


def heartbeat_path(directory: Path, service: str) -> Path:
    return directory / f"{service}.heartbeat"


def write_heartbeat(directory: Path, service: str, now: float | None = None) -> None:
    """Atomically replace the file with the current time (a reader never sees a half write)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = heartbeat_path(directory, service)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(f"{time.time() if now is None else now:.3f}\n")
    tmp.replace(path)


def heartbeat_age(directory: Path, service: str, now: float | None = None) -> float | None:
    """Seconds since the last beat; None when the worker never wrote one."""
    try:
        beat = float(heartbeat_path(directory, service).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return max(0.0, (time.time() if now is None else now) - beat)


def check(directory: Path, service: str, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """(alive, a line for the probe's output)."""
    age = heartbeat_age(directory, service, now)
    path = heartbeat_path(directory, service)
    if age is None:
        return False, f"{service}: no heartbeat at {path} / 没有心跳文件"
    if age > max_age:
        return False, f"{service}: last heartbeat {age:.0f} s ago (> {max_age:.0f} s) / 心跳已超时"
    return True, f"{service}: alive, last heartbeat {age:.1f} s ago"


class Beat:
    """Writes at most once per `every` seconds, however often it is called."""

    def __init__(self, directory: Path, service: str, every: float = 1.0) -> None:
        self.directory = directory
        self.service = service
        self.every = every
        self._last = float("-inf")

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        write_heartbeat(self.directory, self.service)  # a failed write is tried again on the next call
        self._last = now


def main(argv: list[str] | None = None) -> int:
    from .settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m rectify_shared.heartbeat", description=__doc__)
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--max-age", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args(argv)
    ok, line = check(load_settings().effective_heartbeat_dir, args.service, args.max_age)
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
