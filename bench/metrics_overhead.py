"""What the request-metrics middleware costs on the hot list path (README "Metrics").

    .venv/bin/python bench/metrics_overhead.py [--requests 2000] [--chunk 100] [--database-url URL]

Runs GET /api/v1/issues in-process (httpx.ASGITransport, no network) against two apps on the
same database — one as shipped, one with `HttpMetricsMiddleware` taken out — interleaved
(A B B A …) so drift on a shared machine hits both; prints the mean CPU time per request of each
(process CPU time: load from other processes on a shared machine does not inflate it).
Then times the middleware alone around an empty ASGI app (its own cost, without the noise of a
whole request). Default database: a fresh SQLite file with the demo data.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

from issues_api.demo.loader import load_demo
from issues_api.main import create_app
from issues_api.metrics.http import HttpMetrics, HttpMetricsMiddleware
from issues_api.schema import upgrade
from rectify_shared.settings import Settings

PASSWORD = "bench-admin"


def without_metrics(app: Any) -> Any:
    app.user_middleware = [m for m in app.user_middleware if m.cls is not HttpMetricsMiddleware]
    return app


async def timed(client: httpx.AsyncClient, n: int) -> float:
    """CPU seconds of this process (every thread: aiosqlite's too) per request. CPU time, not
    wall time: on a shared machine other processes stretch wall time by far more than the
    middleware costs, but they do not add to this process's CPU time."""
    started = time.process_time()
    for _ in range(n):
        r = await client.get("/api/v1/issues", params={"limit": 50})
        assert r.status_code == 200, r.text
    return (time.process_time() - started) / n


async def whole_requests(settings: Settings, n: int, chunk: int) -> dict[str, list[float]]:
    """Per-request seconds of each chunk of `chunk` requests, for each app: `n` requests each in all,
    the chunks interleaved A B B A … so that load from elsewhere falls on both alike."""
    apps = {
        "with": create_app(settings, run_relay=False),
        "without": without_metrics(create_app(settings, run_relay=False)),
    }
    clients: dict[str, httpx.AsyncClient] = {}
    runs: dict[str, list[float]] = {"with": [], "without": []}
    with_app, without_app = apps["with"], apps["without"]
    async with with_app.router.lifespan_context(with_app), without_app.router.lifespan_context(without_app):
        async with with_app.state.rectify.write_sessions() as session:
            await load_demo(session, admin_password=PASSWORD, demo_password=PASSWORD)
            await session.commit()
        for name, app in apps.items():
            c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            token = (await c.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})).json()
            c.headers["Authorization"] = f"Bearer {token['access_token']}"
            await timed(c, 50)  # warm-up: pools, caches, the middleware's label children
            clients[name] = c
        for r in range(max(1, n // chunk)):
            for name in ("with", "without") if r % 2 == 0 else ("without", "with"):
                runs[name].append(await timed(clients[name], chunk))
        for c in clients.values():
            await c.aclose()
    return runs


async def middleware_alone(n: int) -> float:
    async def empty(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    route = type("Route", (), {"path": "/api/v1/issues"})()
    wrapped = HttpMetricsMiddleware(empty, HttpMetrics(CollectorRegistry()))

    async def loop(app: Any) -> float:
        started = time.process_time()
        for _ in range(n):
            await app({"type": "http", "method": "GET", "path": "/api/v1/issues", "route": route}, receive, send)
        return (time.process_time() - started) / n

    bare = statistics.median([await loop(empty) for _ in range(5)])
    metered = statistics.median([await loop(wrapped) for _ in range(5)])
    return metered - bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--chunk", type=int, default=100, help="requests per interleaved run")
    parser.add_argument("--database-url", default="", help="a migrated, empty database (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if not url:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
        settings = Settings(database_url=url, data_dir=Path(tmp), rate_limit="", log_level="WARNING")
        runs = asyncio.run(whole_requests(settings, args.requests, args.chunk))
    alone = asyncio.run(middleware_alone(100_000))
    with_mw, without_mw = statistics.mean(runs["with"]), statistics.mean(runs["without"])
    paired = sorted(a - b for a, b in zip(runs["with"], runs["without"], strict=True))
    q1, median, q3 = statistics.quantiles(paired, n=4) if len(paired) > 1 else (paired[0],) * 3
    print(
        f"GET /api/v1/issues, {len(runs['with']) * args.chunk} requests per app in chunks of {args.chunk}, interleaved"
    )
    print(f"  with metrics:    {with_mw * 1e6:8.1f} µs CPU per request (mean)")
    print(f"  without metrics: {without_mw * 1e6:8.1f} µs CPU per request (mean)")
    print(f"  difference:      {(with_mw - without_mw) * 1e6:+8.1f} µs ({(with_mw / without_mw - 1) * 100:+.2f} %)")
    print(f"  paired chunk differences: median {median * 1e6:+.1f} µs, IQR {q1 * 1e6:+.1f} … {q3 * 1e6:+.1f} µs")
    print(f"the middleware alone (empty app, 100000 calls): {alone * 1e6:.2f} µs CPU per request")


if __name__ == "__main__":
    main()
