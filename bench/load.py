"""Servers pinned to one core, wrk pinned to the other, and what wrk and /proc say about a run."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
APP_CORE, LOAD_CORE = "0", "1"
TICKS = os.sysconf("SC_CLK_TCK")

LUA = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
{body}
local rate = {rate}
if rate > 0 then
  -- a fixed offered rate (wrk has no such mode; wrk2 is not packaged): every request, on whichever
  -- connection comes free, takes the next slot of one schedule whose gaps average 1 / rate (uniform
  -- in [0.5, 1.5] / rate: no lockstep), and waits for it. The rate holds whatever the latency, as
  -- long as the connections suffice; a server that fell behind gets the missed slots at once (as
  -- wrk2 sends them), not fewer requests. A pause per connection after each answer (the earlier
  -- pacing) offered less as the latency rose: the loaded runs were lighter than the quiet ones.
  -- The latency is still wrk's, from the send (wrk2 would count a late request from its slot).
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct {{ long tv_sec; long tv_nsec; }} bench_timespec;
    int clock_gettime(int clk_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local gap = 1000 / rate
  local slot = nil
  math.randomseed(7)
  function delay()
    local now = now_ms()
    slot = (slot or now) + gap * (0.5 + math.random())
    return math.max(0, math.floor(slot - now))
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n@@{{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,"status_errors":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def have_wrk() -> bool:
    return shutil.which("wrk") is not None and shutil.which("taskset") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def runqueue_seconds(self) -> float:
        """Time its threads spent runnable but waiting for a core (/proc/…/schedstat's second field):
        what other processes on its core cost its requests, whatever the load generator sees."""
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):  # a thread that ended meanwhile; no schedstats
                pass
        return total / 1e9

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_server(name: str, target: str, env: dict[str, str], app_dir: Path | None = None) -> Server:
    """uvicorn, one worker, the same settings for the app and its twin, pinned to APP_CORE."""
    port = _free_port()
    cmd = ["taskset", "-c", APP_CORE, str(BIN / "uvicorn"), target, "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"]  # fmt: skip
    if app_dir is not None:
        cmd += ["--app-dir", str(app_dir)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode} at start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Server(name, proc, port)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{name} did not listen within 60 s")


def lua_script(path: Path, method: str, token: str, body: str | None, rate: float = 0) -> Path:
    """wrk's script: as fast as the connections go, or at a fixed `rate` (req/s) when it is > 0."""
    body_line = f"wrk.body = [==[{body}]==]" if body else ""
    path.write_text(LUA.format(method=method, token=token, body=body_line, rate=round(rate, 3)))
    return path


def run_wrk(
    server: Server,
    url_path: str,
    script: Path,
    seconds: float,
    connections: int = 32,
    counters: Callable[[Server], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """One wrk run: req/s, p50/p99 (ms), errors, and the server's CPU time and run-queue wait per request (ms).

    `counters` (the app's own counts of some work, e.g. its outbox relay's CPU seconds) are read
    just inside the window the process's CPU is read around: their increase over the run comes
    back as `counted` (what ran between the two readings at either end is in the CPU, not in it)."""
    cpu_before, wait_before = server.cpu_seconds(), server.runqueue_seconds()
    counted_before = counters(server) if counters is not None else {}
    out = subprocess.run(
        ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
         "--latency", "--timeout", "10s", "-s", str(script), server.base + url_path],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    counted_after = counters(server) if counters is not None else {}
    cpu, wait = server.cpu_seconds() - cpu_before, server.runqueue_seconds() - wait_before
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("@@"))
    r = json.loads(line[2:])
    requests = max(1, r["requests"])
    return {
        "rps": r["requests"] / (r["duration_us"] / 1e6),
        "p50_ms": r["p50_us"] / 1000,
        "p99_ms": r["p99_us"] / 1000,
        "errors": r["socket_errors"] + r["status_errors"],
        "cpu_ms": cpu * 1000 / requests,
        "wait_ms": wait * 1000 / requests,
        "requests": r["requests"],
        "counted": {k: counted_after[k] - counted_before.get(k, 0.0) for k in counted_after},
        "counted_before": counted_before,
    }
