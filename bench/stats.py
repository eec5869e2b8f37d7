"""The dashboard's figures (issue 22): `/stats/issues`, `/stats/petitions`, `/stats/indicators` for
a round and for a league's subtree, today and as of a past day, at 16 connections, each against the
bare twin running its captured SQL (`bench/twin.py`): p99 ≤ 50 ms today, ≤ 300 ms as of a past day.
And two of the console's pages the same way (goal p99 ≤ 50 ms): the measures list with
`overdue=true` and the ledger's first page with `with_total=true`, both for round 1 as the office.

    .venv/bin/python bench/run.py --scale 0.1 --only stats
"""

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api import wait_for_outbox_drained
from capture import Endpoint, capture, save
from load import lua_script, run_wrk, start_server
from results import Result

from issues_api.main import create_app

CONNECTIONS = 16
NOW_P99_MS, PAST_P99_MS = 50.0, 300.0
PAST_DAY = "2024-06-30"


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


def run_stats(
    endpoints: list[tuple[Endpoint, float, str]],
    env: dict[str, str],
    work: Path,
    repeats: int,
    seconds: float,
    log: Callable[[str], None],
) -> list[Result]:
    spec = work / "stats-captured.pickle"
    save([ep for ep, _, _ in endpoints], spec)
    twin_env = {**env, "BENCH_TWIN_SPEC": str(spec), "BENCH_TWIN_DSN": env["BENCH_DSN"]}
    app = start_server("issues-api", "issues_api.main:create_app", env)
    twin = start_server("twin", "twin:create_twin", twin_env, app_dir=Path(__file__).resolve().parent)
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    try:
        wait_for_outbox_drained(app, log)
        for ep, _, token in endpoints:  # warm-up: one connection (statement caches, the JWT key)
            script = lua_script(work / f"{ep.name}.lua", ep.method, token, ep.body)
            for server in (app, twin):
                run_wrk(server, ep.path, script, 1, 1)
                _idle(server)
        for r in range(repeats):
            for ep, _, _ in endpoints:
                for server in (app, twin) if r % 2 == 0 else (twin, app):
                    run = run_wrk(server, ep.path, work / f"{ep.name}.lua", seconds, CONNECTIONS)
                    runs.setdefault((ep.name, server.name), []).append(run)
                    _idle(server)
            log(f"stats repeat {r + 1}/{repeats} done")
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
    return results
