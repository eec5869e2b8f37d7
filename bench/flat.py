"""Cost that stays flat: CPU per request at several data scales, in process.

Issue 22: list, detail, to-do, stats (current), the changes page and a progress write must cost
about the same per request at scale 0.1 and at scale 3 (≤ 1.5×). Each is called here through the
ASGI app directly (no HTTP client, no server, no load generator: on a shared machine those add
more noise than the request's own cost), `calls` times after a warm-up, and the process CPU per
request is taken (the minimum of `repeats` rounds, the figure least disturbed by other work).

The generator writes no outbox, so every scale's feed was empty but the run's own (which holds the
events of the benchmarks that ran before): the changes page compared an empty page at 0.1 with an
empty one at 3 (noise, 1.51 one run and 0.62 the run before) and a full one only at 1. Each
database is now given the feed its data would have made (`SEED_FEED`: one event per status change,
~140,000 at scale 3), and the page read is 50 events from the middle of it, after a cursor.

`measure_scale` runs against a database the generator filled; `flat_results` turns the figures
of several scales into one row per endpoint and scale plus the largest-over-smallest ratio.

The deadline scan and the ledger export may grow with the data (linearly): `linear_costs` times
each once at every scale — the scan as `bench/scan.py` runs it (rolled back), the export as the
report worker makes round 1's ledger xlsx for the whole province (its snapshot read, then the
render) — and `slope_results` reports each scale's time and the slope between the smallest and
the largest scale, in ms per 1,000 rows (open measures scanned; measures exported).
"""

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from results import Result

FLAT_GOAL = 1.5
ENDPOINTS = ("issues_list", "issue_detail", "me_todo", "issue_stats", "changes_page", "progress_write")
BODY = json.dumps(
    {"text": "截至本月底，已完成治理面积17.21平方公里，整改工作按序时推进。"}, ensure_ascii=False
).encode()


async def _call(app: Any, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> int:
    path, _, query = target.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000), "server": ("bench", 80),
    }  # fmt: skip
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # a client that stays connected
        return {"type": "http.disconnect"}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


#: the change feed a scale's database is given before it is measured: one issue.status_changed event
#: per status change the generator wrote (~4,700 at scale 0.1, ~140,000 at scale 3), positioned and
#: published after whatever the feed already holds (the relay owes nothing for them)
SEED_FEED = """
WITH head AS (SELECT coalesce(max(position), 0) AS top FROM outbox_event)
INSERT INTO outbox_event (id, created_at, event_type, aggregate_type, aggregate_id, org_path, in_feed, payload,
                          position, published_at)
SELECT 9000000000000 + c.id, now(), 'issue.status_changed', 'issue', i.id, i.org_path, true,
       jsonb_build_object('id', i.id, 'round_id', i.round_id, 'seq', i.seq, 'status', c.to_status,
                          'deadline', i.deadline, 'lead_org_id', i.lead_org_id, 'from', c.from_status,
                          'to', c.to_status, 'reason', c.reason),
       head.top + row_number() OVER (ORDER BY c.changed_at, c.id), now()
FROM issue_status_change c JOIN issue i ON i.id = c.issue_id CROSS JOIN head
WHERE NOT EXISTS (SELECT 1 FROM outbox_event WHERE id = 9000000000000 + c.id)
"""


async def seed_feed(dsn: str) -> tuple[int, int]:
    """The feed as a scale's data would have made it (`SEED_FEED`, once per database): (the first
    seeded position, how many there are)."""
    import asyncpg

    conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        async with conn.transaction():
            # positions are unique by construction (after the head, numbered): without the row
            # trigger that checks each against the table (its cached plan scans: minutes at scale 3)
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute(SEED_FEED)
        await conn.execute("ANALYZE outbox_event")
        first, count = await conn.fetchrow(
            "SELECT min(position), count(*) FROM outbox_event WHERE id > 9000000000000 AND position IS NOT NULL"
        )
    finally:
        await conn.close()
    return int(first), int(count)


def _cursor(position: int) -> str:
    """A change-feed cursor (`issues_api.changes.router`: base64url of "p<position>", unpadded)."""
    import base64

    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


async def _targets(
    app: Any, headers: list[tuple[bytes, bytes]], feed: tuple[int, int]
) -> dict[str, tuple[str, str, bytes]]:
    import httpx

    auth = {k.decode(): v.decode() for k, v in headers}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
        first = (await c.get("/api/v1/issues?round_id=1&status=in_progress&limit=50", headers=auth)).json()
        issue_id = first["items"][len(first["items"]) // 2]["id"]
        measure_id = (await c.get(f"/api/v1/issues/{issue_id}", headers=auth)).json()["measures"][0]["id"]
    return {
        "issues_list": ("GET", "/api/v1/issues?round_id=1&status=in_progress&limit=50", b""),
        "issue_detail": ("GET", f"/api/v1/issues/{issue_id}", b""),
        "me_todo": ("GET", "/api/v1/me/todo", b""),
        "issue_stats": ("GET", "/api/v1/stats/issues?round_id=1", b""),
        # a page from the middle of the seeded feed: a consumer resuming from its cursor
        "changes_page": ("GET", f"/api/v1/changes?after={_cursor(feed[0] + feed[1] // 2)}&limit=50", b""),
        "progress_write": ("POST", f"/api/v1/measures/{measure_id}/progress", BODY),
    }


async def measure_scale(token: str, calls: int = 50, repeats: int = 3) -> dict[str, dict[str, float]]:
    """endpoint -> {"cpu_ms": CPU per request, "status": its HTTP status} on the database in
    DATABASE_URL (the caller set the environment), with the relay off: its publishing is not the
    request's cost."""
    from issues_api.main import create_app

    feed = await seed_feed(os.environ["DATABASE_URL"])
    app = create_app(run_relay=False)
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json"),
               (b"host", b"bench")]  # fmt: skip
    out: dict[str, dict[str, float]] = {}
    async with app.router.lifespan_context(app):
        for name, (method, target, body) in (await _targets(app, headers, feed)).items():
            status = 0
            for _ in range(max(3, calls // 5)):  # warm-up: statement caches, pools, imports
                status = await _call(app, method, target, headers, body)
            rounds = []
            for _ in range(repeats):
                started = time.process_time()
                for _ in range(calls):
                    await _call(app, method, target, headers, body)
                rounds.append((time.process_time() - started) / calls * 1000)
            out[name] = {"cpu_ms": min(rounds), "status": status}
    return out


@dataclass(frozen=True)
class _WholeLedger:
    """A ledger report job's scope (`report_worker.snapshot.LedgerScope`): round 1, the province, today."""

    round_id: int = 1
    as_of: date | None = None
    org_path: str = "/1/"
    scope_exact: bool = False


async def linear_costs() -> dict[str, float]:
    """Wall seconds of one deadline scan and one ledger xlsx export on the database in
    DATABASE_URL, with the rows each covered (open measures; measures in the export)."""
    from scan import scan_once
    from sqlalchemy import text

    from rectify_shared.db import engine_for, make_sessionmaker
    from rectify_shared.settings import load_settings
    from report_worker.ledger_load import load_ledger_snapshot
    from report_worker.render.ledger_xlsx import render_ledger_xlsx

    engine = engine_for(load_settings(), pool_size=2)
    try:
        async with engine.connect() as conn:
            open_measures = (
                await conn.execute(
                    text("SELECT count(*) FROM measure WHERE status <> 'completed' AND withdrawn_at IS NULL")
                )
            ).scalar_one()
        scan_s, _, _ = await scan_once(make_sessionmaker(engine, write=True), engine)
        started = time.perf_counter()
        async with make_sessionmaker(engine, write=False)() as session:
            snapshot = await load_ledger_snapshot(session, _WholeLedger())
        render_ledger_xlsx(snapshot)
        export_s = time.perf_counter() - started
        exported = sum(len(i.measures) for c in snapshot.categories for i in c.issues)
    finally:
        await engine.dispose()
    return {"scan_s": scan_s, "scan_rows": open_measures, "export_s": export_s, "export_rows": exported}


def slope_results(by_scale: dict[float, dict[str, float]]) -> list[Result]:
    """Each scale's scan and export time, and the slope from the smallest scale to the largest."""
    results: list[Result] = []
    scales = sorted(by_scale)
    for name, key, rows in (("scan.deadlines", "scan", "open measures"), ("export.ledger_xlsx", "export", "measures")):
        for scale in scales:
            fig = by_scale[scale]
            results.append(Result.plain(name, f"time at scale {scale:g}", fig[f"{key}_s"], "s",
                                        note=f"{fig[f'{key}_rows']:.0f} {rows}"))  # fmt: skip
        low, high = by_scale[scales[0]], by_scale[scales[-1]]
        if len(scales) > 1 and high[f"{key}_rows"] > low[f"{key}_rows"]:
            slope = 1e6 * (high[f"{key}_s"] - low[f"{key}_s"]) / (high[f"{key}_rows"] - low[f"{key}_rows"])
            results.append(Result.plain(name, f"slope {scales[0]:g} → {scales[-1]:g}", slope,
                                        f"ms per 1,000 {rows}"))  # fmt: skip
    return results


def flat_results(by_scale: dict[float, dict[str, dict[str, float]]], log: Callable[[str], None]) -> list[Result]:
    """One row per endpoint and scale, and the ratio of the largest scale's cost to the smallest's
    (goal ≤ 1.5). An endpoint that did not answer 2xx at some scale is reported, not hidden."""
    results: list[Result] = []
    scales = sorted(by_scale)
    for name in ENDPOINTS:
        for scale in scales:
            fig = by_scale[scale].get(name)
            if fig is None:
                continue
            ok = 200 <= fig["status"] < 300
            note = None if ok else f"answered {fig['status']:.0f}: the figure is an error's cost"
            results.append(
                Result.plain(f"flat.{name}", f"cpu/request at scale {scale:g}", fig["cpu_ms"], "ms", note=note)
            )
        low, high = by_scale[scales[0]].get(name), by_scale[scales[-1]].get(name)
        if len(scales) > 1 and low and high:
            metric = f"cpu/request growth {scales[0]:g} → {scales[-1]:g}"
            results.append(
                Result.timing(f"flat.{name}", metric, high["cpu_ms"], "ms", low["cpu_ms"], goal_ratio_max=FLAT_GOAL)
            )
        figures = [f"{s:g}: {by_scale[s][name]['cpu_ms']:.2f} ms" for s in scales if name in by_scale[s]]
        log(f"flat {name}: " + ", ".join(figures))
    return results


def run_flat(
    scales: list[float],
    current: float,
    dsn: str,
    fresh_db: Callable[[str], str],
    drop_db: Callable[[str], None],
    prepare: Callable[[str, float], str],
    token: str,
    log: Callable[[str], None],
    calls: int = 50,
) -> list[Result]:
    """The figures at every scale: the run's own database for `current`, a fresh one generated for
    each other scale (`prepare(dsn, scale)` migrates, generates and returns a token; the
    database is dropped afterwards). DATABASE_URL points at each in turn."""
    by_scale: dict[float, dict[str, dict[str, float]]] = {}
    linear: dict[float, dict[str, float]] = {}
    saved = os.environ["DATABASE_URL"]
    try:
        for scale in sorted(set(scales) | {current}):
            if scale == current:
                os.environ["DATABASE_URL"] = dsn
                by_scale[scale] = asyncio.run(measure_scale(token, calls))
                linear[scale] = asyncio.run(linear_costs())
            else:
                name = f"flat_{str(scale).replace('.', '_')}"
                other = fresh_db(name)
                try:
                    os.environ["DATABASE_URL"] = other
                    other_token = prepare(other, scale)
                    by_scale[scale] = asyncio.run(measure_scale(other_token, calls))
                    linear[scale] = asyncio.run(linear_costs())
                finally:
                    os.environ["DATABASE_URL"] = saved
                    drop_db(name)
            log(f"flat: scale {scale:g} measured")
    finally:
        os.environ["DATABASE_URL"] = saved
    return flat_results(by_scale, log) + slope_results(linear)
