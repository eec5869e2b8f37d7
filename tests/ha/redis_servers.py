"""Redis with Sentinel for `make test-ha` (no tests here): a master, a replica and three sentinels,
each a `redis-server` of our own on a free loopback port, started and stopped by the tests."""

import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from .servers import free_port, listening

MASTER_NAME = "rectify"
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000


def missing_redis() -> list[str]:
    return [] if shutil.which("redis-server") else ["redis-server"]


class RedisProc:
    """One `redis-server` (a data node or, with `sentinel=True`, a sentinel)."""

    def __init__(self, root: Path, name: str, args: list[str], sentinel: bool = False) -> None:
        self.name = name
        self.port = free_port()
        self.dir = root / name
        self.dir.mkdir()
        self.log = root / f"{name}.log"
        self.args = args
        self.sentinel = sentinel
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        common = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--protected-mode", "no",
                  "--logfile", str(self.log)]  # fmt: skip
        if self.sentinel:
            conf = self.dir / "sentinel.conf"  # sentinel rewrites its config: a file of its own
            conf.write_text("".join(line + "\n" for line in self.args))
            argv = ["redis-server", str(conf), "--sentinel", *common]
        else:
            argv = ["redis-server", *common, "--save", "", "--appendonly", "no", *self.args]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text()[-2000:] if self.log.exists() else ""
                raise RuntimeError(f"redis {self.name} did not start: {tail}")
            time.sleep(0.05)

    def client(self) -> "redis.Redis[bytes]":
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def kill(self) -> None:
        """SIGKILL: the master vanishes mid-stream, no shutdown, no final sync."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class SentinelGroup:
    """Master + replica + 3 sentinels (quorum 2), fast failure detection."""

    def __init__(self, root: Path) -> None:
        self.master = RedisProc(root, "redis-master", [])
        self.replica = RedisProc(root, "redis-replica", ["--replicaof", "127.0.0.1", str(self.master.port)])
        monitor = [
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master.port} 2",
            f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
            f"sentinel parallel-syncs {MASTER_NAME} 1",
        ]
        self.sentinels = [RedisProc(root, f"sentinel-{i}", monitor, sentinel=True) for i in range(3)]

    @property
    def hosts(self) -> str:
        """REDIS_SENTINELS"""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def start(self) -> None:
        self.master.start()
        self.replica.start()
        self.wait_replica_synced()
        for s in self.sentinels:
            s.start()
        self.wait_sentinels_agree(self.master.port)

    def stop(self) -> None:
        for node in (*self.sentinels, self.replica, self.master):
            node.stop()

    def master_port_by(self, sentinel: RedisProc) -> int | None:
        try:
            addr = sentinel.client().execute_command("SENTINEL", "get-master-addr-by-name", MASTER_NAME)
        except redis.RedisError:
            return None
        return int(addr[1]) if addr else None

    def wait_replica_synced(self, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            info = self.replica.client().info("replication")
            if info.get("master_link_status") == "up":
                return
            time.sleep(0.05)
        raise TimeoutError("the Redis replica did not sync with its master")

    def wait_sentinels_agree(self, port: int, seconds: float = 20) -> float:
        """Until every sentinel names `port` as the master and knows the other sentinels; the moment."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(self.master_port_by(s) == port for s in self.sentinels) and all(
                _others(s) >= 2 for s in self.sentinels
            ):
                return time.monotonic()
            time.sleep(0.05)
        raise TimeoutError(f"the sentinels did not agree on master port {port}")

    def wait_promoted(self, seconds: float = 30) -> float:
        """Until a sentinel names the replica as master and the replica acts as one; the moment."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(self.master_port_by(s) == self.replica.port for s in self.sentinels):
                try:
                    if self.replica.client().info("replication").get("role") == "master":
                        return time.monotonic()
                except redis.RedisError:
                    pass
            time.sleep(0.02)
        raise TimeoutError("the sentinels did not promote the replica")


def _others(sentinel: RedisProc) -> int:
    """How many other sentinels this one has heard of (on the master's hello channel)."""
    try:
        return int(sentinel.client().sentinel_master(MASTER_NAME)["num-other-sentinels"])
    except redis.RedisError:
        return 0
