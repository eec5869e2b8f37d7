"""A unit's to-do under wrk, and 1,000 change streams held open on one API process.

* `todo`: `GET /api/v1/me/todo` for a unit operator of the org responsible for the most measures,
  16 connections, the median of the repeats (goal: p99 ≤ 50 ms).
* `sse`: 1,000 Server-Sent-Events clients (one asyncio process, httpx) on `GET /changes/stream`,
  each through its own signed stream link (`POST /changes/stream/link`, as a browser's EventSource
  opens it), all signed by the bench user: RECTIFY_STREAMS_PER_CALLER is raised to 1,000 for the
  run (the per-caller cap, default 5, would refuse the rest with 429). Reported: the API
  process's RSS before and with the streams open (growth per stream), and, per repeat, the time
  from sending a progress report through the API (its commit) until every one of the 1,000 has
  received its change (goal ≤ 1 s; also from the POST's answer). The app is pinned to core 0 (as
  for wrk), the clients to core 1.
"""

import asyncio
import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from load import LOAD_CORE, Server, lua_script, run_wrk, start_server
from results import Result

TODO_P99_GOAL_MS, TODO_CONNECTIONS = 50.0, 16
SSE_CLIENTS, SSE_DELIVERY_GOAL_S = 1000, 1.0


def raise_fd_limit(needed: int) -> None:
    """Sockets for the clients (and, inherited, for the server started after): up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


async def busiest_unit(dsn: str) -> tuple[int, int]:
    """The org responsible for the most open measures (the heaviest to-do), and that count."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT responsible_org_id AS org, count(*) AS n FROM measure WHERE responsible_org_id IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        assert row is not None, "no measure has a responsible org"
        return int(row["org"]), int(row["n"])
    finally:
        await conn.close()


def rss_kib(server: Server) -> int:
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_todo(
    token: str, env: dict[str, str], work: Path, repeats: int, seconds: float, log: Callable[[str], None]
) -> list[Result]:
    app = start_server("issues-api", "issues_api.main:create_app", env)
    try:
        path = "/api/v1/me/todo"
        started = time.monotonic()
        first = httpx.get(app.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        first.raise_for_status()
        log(f"todo: the first answer in {1000 * (time.monotonic() - started):.0f} ms")
        counts = {k: v["count"] for k, v in first.json().items() if isinstance(v, dict) and "count" in v}
        script = lua_script(work / "todo.lua", "GET", token, None)
        run_wrk(app, path, script, 1, TODO_CONNECTIONS)  # warm-up
        runs = [run_wrk(app, path, script, seconds, TODO_CONNECTIONS) for _ in range(repeats)]
        log(f"todo: {[round(r['p99_ms'], 1) for r in runs]} ms p99 over {repeats} runs; counts {counts}")
    finally:
        app.stop()

    def med(key: str) -> float:
        return float(statistics.median(r[key] for r in runs))

    name = f"todo.me_todo ({TODO_CONNECTIONS} connections)"
    return [
        Result.plain(name, "req/s", med("rps"), "req/s"),
        Result.plain(name, "p50", med("p50_ms"), "ms"),
        Result.plain(name, "p99", med("p99_ms"), "ms", goal_max=TODO_P99_GOAL_MS),
        Result.plain(name, "cpu/request", med("cpu_ms"), "ms"),
        Result.plain(name, "errors", sum(r["errors"] for r in runs), "count", goal_max=0),
    ]


class _Client:
    """One stream: ready once the server's first line arrived; the time each change arrived."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.seen: dict[str, float] = {}  # aggregate id of a progress.reported change -> arrival
        self.arrived = asyncio.Event()
        self.error: str | None = None


async def _listen(client: httpx.AsyncClient, url: str, me: _Client) -> None:
    try:
        async with client.stream("GET", url, timeout=httpx.Timeout(30, read=None)) as resp:
            if resp.status_code != 200:
                me.error = f"{resp.status_code}"
                me.ready.set()
                return
            async for line in resp.aiter_lines():
                if not me.ready.is_set():
                    me.ready.set()
                if line.startswith("data: "):
                    change = json.loads(line[6:])
                    if change.get("type") == "progress.reported":
                        me.seen[str(change.get("aggregate_id"))] = time.monotonic()
                        me.arrived.set()
    except (httpx.HTTPError, asyncio.CancelledError) as exc:
        if not isinstance(exc, asyncio.CancelledError):
            me.error = type(exc).__name__
        me.ready.set()


async def _sse(base: str, token: str, measure_id: int, repeats: int, n: int, rss: Callable[[], int],
               log: Callable[[str], None]) -> dict[str, Any]:  # fmt: skip
    auth = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=n + 50, max_keepalive_connections=n + 50)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        links = []
        for _ in range(n):  # one signed link per client: each is its own caller
            r = await http.post("/api/v1/changes/stream/link?minutes=60", headers=auth)
            r.raise_for_status()
            links.append(r.json()["path"])
        await asyncio.sleep(1)
        rss_before = rss()
        clients = [_Client() for _ in links]
        opened = time.monotonic()
        tasks = [asyncio.create_task(_listen(http, path, c)) for path, c in zip(links, clients, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 120)
        open_s = time.monotonic() - opened
        failed = [c.error for c in clients if c.error]
        await asyncio.sleep(2)
        rss_open = rss()
        log(f"sse: {n - len(failed)} streams open in {open_s:.1f} s; RSS {rss_before} → {rss_open} KiB")
        commit_s: list[float] = []
        answer_s: list[float] = []
        missing = 0
        for _ in range(repeats):
            body = {"text": "截至本月底，已完成治理面积17.21平方公里，整改工作按序时推进。"}
            sent = time.monotonic()
            r = await http.post(f"/api/v1/measures/{measure_id}/progress", json=body, headers=auth)
            answered = time.monotonic()
            r.raise_for_status()
            report_id = str(r.json()["id"])
            live = [c for c in clients if not c.error]
            try:
                await asyncio.wait_for(_all_seen(live, report_id), 30)
            except TimeoutError:
                pass
            got = [c.seen[report_id] for c in live if report_id in c.seen]
            missing += len(live) - len(got)
            if got:
                commit_s.append(max(got) - sent)
                answer_s.append(max(got) - answered)
            await asyncio.sleep(1)
        rss_after = rss()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "open": n - len(failed), "failed": len(failed), "open_s": open_s, "rss_before": rss_before,
        "rss_open": rss_open, "rss_after": rss_after, "commit_s": commit_s, "answer_s": answer_s, "missing": missing,
    }  # fmt: skip


async def _all_seen(clients: list[_Client], report_id: str) -> None:
    while not all(report_id in c.seen for c in clients):  # noqa: ASYNC110 (1,000 events: a poll is simpler)
        await asyncio.sleep(0.01)


def sse_env(env: dict[str, str], n: int) -> dict[str, str]:
    """One bench caller holds the streams: the cap per caller (default 5) is raised for it."""
    return {**env, "RECTIFY_STREAMS_PER_CALLER": str(n)}


def run_sse(
    token: str, env: dict[str, str], measure_id: int, repeats: int, log: Callable[[str], None], n: int = SSE_CLIENTS
) -> list[Result]:
    raise_fd_limit(n * 2 + 200)
    app = start_server("issues-api", "issues_api.main:create_app", sse_env(env, n))
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {int(LOAD_CORE)})  # the clients on wrk's core, the app alone on its own
    try:
        out = asyncio.run(_sse(app.base, token, measure_id, repeats, n, lambda: rss_kib(app), log))
    finally:
        os.sched_setaffinity(0, affinity)
        app.stop()
    log(f"sse: delivery {[round(s, 3) for s in out['commit_s']]} s after the POST was sent")
    name = f"sse.changes_stream ({n} clients, one process)"
    growth_mib = (out["rss_open"] - out["rss_before"]) / 1024
    worst = max(out["commit_s"]) if out["commit_s"] else float("inf")
    return [
        Result.plain(name, "streams open", out["open"], "count", note=f"{out['failed']} refused; opened in "
                     f"{out['open_s']:.1f} s"),
        Result.plain(name, "RSS before", out["rss_before"] / 1024, "MiB"),
        Result.plain(name, "RSS growth with the streams open", growth_mib, "MiB",
                     note=f"{1024 * growth_mib / max(1, out['open']):.1f} KiB a stream; "
                     f"{out['rss_after'] / 1024:.0f} MiB after the deliveries"),
        Result.plain(name, "commit → all received (median)", statistics.median(out["commit_s"] or [worst]), "s",
                     goal_max=SSE_DELIVERY_GOAL_S,
                     note="from sending POST /measures/{id}/progress until the last of the clients has its change"),
        Result.plain(name, "commit → all received (worst)", worst, "s", goal_max=SSE_DELIVERY_GOAL_S,
                     note=f"{len(out['commit_s'])} commits"),
        Result.plain(name, "answer → all received (median)", statistics.median(out["answer_s"] or [worst]), "s"),
        Result.plain(name, "changes not received", out["missing"], "count", goal_max=0),
    ]  # fmt: skip
