"""The dashboard's figures (issue 22): `/stats/issues`, `/stats/petitions`, `/stats/indicators` for
a round and for a league's subtree, today and as of a past day, at 16 connections, each against the
bare twin running its captured SQL (`bench/twin.py`): p99 ≤ 50 ms today, ≤ 300 ms as of a past day.
And two of the console's pages the same way (goal p99 ≤ 50 ms): the measures list with
`overdue=true` and the ledger's first page with `with_total=true`, both for round 1 as the office.

The past-day rows above measure the kept answer (`core.kept`): after the first request every
request is a token check. The "cold" rows measure what a person waits for after a write: at a fixed
low rate (`COLD_RATE`), a write that renews the round's change tokens (an indicator value of one of
round 1's problems: `stats_issue_inputs_version` and the indicators' token), then the first past-day
request, timed alone on one connection (goal p99 ≤ 300 ms), and then a second, the kept one.

    .venv/bin/python bench/run.py --scale 0.1 --only stats
"""

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from api import wait_for_outbox_drained
from capture import Endpoint, capture, save
from load import lua_script, run_wrk, start_server
from results import Result

from issues_api.main import create_app

CONNECTIONS = 16
NOW_P99_MS, PAST_P99_MS = 50.0, 300.0
PAST_DAY = "2024-06-30"
#: the cold rows: this many writes, each followed by the past-day request, at this rate (writes/s)
COLD_SAMPLES, COLD_RATE = 100, 2.0
COLD = ("stats.issues_round_past", "stats.issues_subtree_past", "stats.indicators_round_past")


def _endpoints() -> tuple[list[tuple[Endpoint, float]], list[tuple[Endpoint, float]]]:
    """(the office's requests, the league's), each with its p99 goal in ms."""
    office = [
        (Endpoint("stats.issues_round", "GET", "/api/v1/stats/issues?round_id=1"), NOW_P99_MS),
        (Endpoint("stats.issues_all", "GET", "/api/v1/stats/issues"), NOW_P99_MS),
        (Endpoint("stats.issues_round_past", "GET", f"/api/v1/stats/issues?round_id=1&as_of={PAST_DAY}"),
         PAST_P99_MS),
        (Endpoint("stats.petitions_round", "GET", "/api/v1/stats/petitions?round_id=1"), NOW_P99_MS),
        (Endpoint("stats.petitions_round_past", "GET", f"/api/v1/stats/petitions?round_id=1&as_of={PAST_DAY}"),
         PAST_P99_MS),
        (Endpoint("stats.indicators_round", "GET", "/api/v1/stats/indicators?round_id=1"), NOW_P99_MS),
        (Endpoint("stats.indicators_round_past", "GET", f"/api/v1/stats/indicators?round_id=1&as_of={PAST_DAY}"),
         PAST_P99_MS),
        # the console's pages (issue 22's to-do goal): the overdue measures, the ledger's first page with its total
        (Endpoint("api.measures_overdue", "GET", "/api/v1/measures?round_id=1&overdue=true&limit=50"), NOW_P99_MS),
        (Endpoint("api.ledger_first_page_with_total", "GET", "/api/v1/issues?round_id=1&limit=50&with_total=true"),
         NOW_P99_MS),
    ]  # fmt: skip
    # the same paths for a league's user: told apart in the twin by the caller's token (`Endpoint.caller`)
    league = [
        (Endpoint("stats.issues_subtree", "GET", "/api/v1/stats/issues?round_id=1"), NOW_P99_MS),
        (Endpoint("stats.issues_subtree_past", "GET",
                  f"/api/v1/stats/issues?round_id=1&as_of={PAST_DAY}"), PAST_P99_MS),
    ]  # fmt: skip
    return office, league


async def _captured(token: str, eps: list[Endpoint]) -> list[Endpoint]:
    app = create_app(run_relay=False)
    async with app.router.lifespan_context(app):  # (capture refuses an endpoint that answers an error)
        return await capture(app, token, eps)


async def stats_endpoints(office_token: str, league_token: str) -> list[tuple[Endpoint, float, str]]:
    office, league = _endpoints()
    out = []
    for token, group in ((office_token, office), (league_token, league)):
        captured = await _captured(token, [ep for ep, _ in group])
        for ep in captured:
            ep.caller = token
        out += [(ep, goal, token) for ep, (_, goal) in zip(captured, group, strict=True)]
    return out


def _idle(server: Any, window: float = 1.0, most: float = 120.0) -> None:
    """Wait until the server has finished the requests wrk gave up on (it goes on with them after
    the run: a backlog of slow requests would be charged to the next run) — its CPU time still."""
    started = time.monotonic()
    before = server.cpu_seconds()
    while time.monotonic() - started < most:
        time.sleep(window)
        now = server.cpu_seconds()
        if now - before < 0.02 * window:
            return
        before = now


async def _cold_indicator(dsn: str) -> int:
    """A `level` indicator of round 1 tied to a problem: a value written to it renews both the
    problems' inputs token (`stats_issue_inputs_version`) and the indicators' token of round 1."""
    conn = await asyncpg.connect(dsn)
    try:
        found = await conn.fetchval(
            "SELECT id FROM indicator WHERE round_id = 1 AND issue_id IS NOT NULL AND kind = 'level' "
            "ORDER BY id LIMIT 1"
        )
    finally:
        await conn.close()
    if found is None:
        raise RuntimeError("no level indicator of round 1 tied to a problem: the cold rows have no write")
    return int(found)


def _percentile(xs: list[float], q: int) -> float:
    return float(statistics.quantiles(xs, n=100, method="inclusive")[q - 1]) if len(xs) > 1 else xs[0]


def _cold_run(
    server: Any, ep: Endpoint, token: str, writer: str, indicator: int, samples: int
) -> dict[str, list[float]]:
    """`samples` times (`COLD_SAMPLES` in `make bench`), at `COLD_RATE`: a value written to
    `indicator` (by `writer`, the office), then `ep` timed (ms; the server's CPU over it), then
    `ep` again (the kept answer)."""
    out: dict[str, list[float]] = {"cold": [], "cold_cpu": [], "warm": [], "write": []}
    with (
        httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {writer}"}, timeout=30) as w,
        httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c,
    ):
        c.get(ep.path).raise_for_status()
        for i in range(samples):
            started = time.monotonic()
            body = {"period": "2024-06", "value": f"{25 + (i % 40) / 10:.1f}", "source": "bench: cold rows"}
            t = time.perf_counter()
            w.post(f"/api/v1/indicators/{indicator}/values", json=body).raise_for_status()
            out["write"].append(1000 * (time.perf_counter() - t))
            cpu, t = server.cpu_seconds(), time.perf_counter()
            c.get(ep.path).raise_for_status()
            out["cold"].append(1000 * (time.perf_counter() - t))
            out["cold_cpu"].append(1000 * (server.cpu_seconds() - cpu))
            t = time.perf_counter()
            c.get(ep.path).raise_for_status()
            out["warm"].append(1000 * (time.perf_counter() - t))
            time.sleep(max(0.0, started + 1 / COLD_RATE - time.monotonic()))
    return out


def _cold_results(name: str, run: dict[str, list[float]]) -> list[Result]:
    p99, p50 = _percentile(run["cold"], 99), _percentile(run["cold"], 50)
    how = (
        f"{len(run['cold'])} writes at {COLD_RATE:g}/s (an indicator value: both tokens renewed), each then "
        f"this request alone (the write's outbox relayed meanwhile, in the same process); slowest "
        f"{', '.join(f'{x:.0f}' for x in sorted(run['cold'])[-3:])} ms; the next request (kept) p50 "
        f"{_percentile(run['warm'], 50):.1f} ms; the write p50 {_percentile(run['write'], 50):.0f} ms"
    )
    cold = f"{name} (cold)"
    return [
        Result.plain(cold, "p99, first request after a write", p99, "ms", goal_max=PAST_P99_MS, note=how),
        Result.plain(cold, "p50, first request after a write", p50, "ms"),
        Result.plain(cold, "cpu/request, first after a write", statistics.median(run["cold_cpu"]), "ms"),
    ]


def run_stats(
    endpoints: list[tuple[Endpoint, float, str]],
    env: dict[str, str],
    work: Path,
    repeats: int,
    seconds: float,
    log: Callable[[str], None],
    cold_samples: int = COLD_SAMPLES,
) -> list[Result]:
    """`cold_samples`: the cold rows' writes, each followed by its request (the tiny bench test
    takes a few: at `COLD_RATE` a hundred take 50 s an endpoint at any scale)."""
    # a quarter of a run at most between runs (1 s in `make bench`; the tiny bench test's 1-second
    # runs would otherwise spend most of the section waiting)
    window = min(1.0, seconds / 4)
    spec = work / "stats-captured.pickle"
    save([ep for ep, _, _ in endpoints], spec)
    twin_env = {**env, "BENCH_TWIN_SPEC": str(spec), "BENCH_TWIN_DSN": env["BENCH_DSN"]}
    app = start_server("issues-api", "issues_api.main:create_app", env)
    twin = start_server("twin", "twin:create_twin", twin_env, app_dir=Path(__file__).resolve().parent)
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    cold: dict[str, dict[str, list[float]]] = {}
    try:
        wait_for_outbox_drained(app, log)
        for ep, _, token in endpoints:  # warm-up: one connection (statement caches, the JWT key)
            script = lua_script(work / f"{ep.name}.lua", ep.method, token, ep.body)
            for server in (app, twin):
                run_wrk(server, ep.path, script, 1, 1)
                _idle(server, window)
        for r in range(repeats):
            for ep, _, _ in endpoints:
                for server in (app, twin) if r % 2 == 0 else (twin, app):
                    run = run_wrk(server, ep.path, work / f"{ep.name}.lua", seconds, CONNECTIONS)
                    runs.setdefault((ep.name, server.name), []).append(run)
                    _idle(server, window)
            log(f"stats repeat {r + 1}/{repeats} done")
        indicator = asyncio.run(_cold_indicator(env["BENCH_DSN"]))
        office = next(token for ep, _, token in endpoints if ep.name == "stats.issues_round")
        for ep, _, token in endpoints:
            if ep.name in COLD:
                _idle(app, window)
                cold[ep.name] = _cold_run(app, ep, token, office, indicator, cold_samples)
                log(f"{ep.name} cold: p99 {_percentile(cold[ep.name]['cold'], 99):.0f} ms")
    finally:
        app.stop()
        twin.stop()
    results: list[Result] = []
    for ep, goal, _ in endpoints:
        mine, bare = runs[(ep.name, "issues-api")], runs[(ep.name, "twin")]
        # a run in which no request was answered has no p99: the run's length is a lower bound
        floor = 1000 * max(1, round(seconds))
        for x in mine + bare:
            if not x["requests"]:
                x["p99_ms"] = x["p50_ms"] = float(floor)
        silent = sum(1 for x in mine if not x["requests"])
        note = f"{silent} of {len(mine)} runs answered nothing: p99 ≥ the run's {floor} ms" if silent else None

        def med(rs: list[dict[str, Any]], key: str) -> float:
            return float(statistics.median(x[key] for x in rs))

        p99 = Result.timing(
            ep.name, "p99 at 16 connections", med(mine, "p99_ms"), "ms", med(bare, "p99_ms"), goal_max=goal
        )
        if note:
            p99.note = f"{p99.note}; {note}" if p99.note else note
        results += [
            p99,
            Result.timing(ep.name, "p50 at 16 connections", med(mine, "p50_ms"), "ms", med(bare, "p50_ms")),
            Result.timing(ep.name, "req/s", med(mine, "rps"), "req/s", med(bare, "rps")),
            Result.timing(ep.name, "cpu/request", med(mine, "cpu_ms"), "ms", med(bare, "cpu_ms")),
            Result.plain(ep.name, "errors", sum(x["errors"] for x in mine), "count", goal_max=0),
        ]  # fmt: skip
        if ep.name in cold:
            results += _cold_results(ep.name, cold[ep.name])
    return results
