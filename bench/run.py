"""`make bench`: a fresh province in PostgreSQL, every benchmark, bench/results/latest.{json,md}.

    .venv/bin/python bench/run.py [--scale 1.0] [--seconds 5] [--repeats 3] [--report-scale 1.0]
                                  [--only scan,api,stats,queue,reports,todo,sse,flat] [--sse-clients 1000]
                                  [--flat-scales 0.1,1,3] [--cold-samples 100]

`flat` measures the per-request CPU of list, detail, to-do, stats, changes page and a progress
write at each of `--flat-scales` (default 0.1, 1 and 3 × `--scale`; a database generated for each
scale other than `--scale`, then dropped) and reports the largest-over-smallest ratio.

`--only` runs the named benchmarks and merges their figures into latest.{json,md} (the others keep
theirs, with the date they were measured); without it every benchmark runs and the files are new.

Needs PostgreSQL (BENCH_PG_URL, default postgresql://root@127.0.0.1:5432/postgres; the database
`--database`, default rectify_bench, is dropped and created), Redis (REDIS_URL), wrk and taskset.
RECTIFY_BENCH_SCALE overrides the default scale (1.0 = the full province).
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
from api import endpoints_for, render_process, run_api
from flat import run_flat
from imports import run_import_bench
from jobqueue import run_queue_bench
from keys import run_rotation_bench
from live import busiest_unit, run_sse, run_todo
from load import have_wrk
from reports import run_report_bench
from results import SECTIONS, Result, in_section, write
from scan import run_scan_bench
from stats import COLD_SAMPLES, run_stats, stats_endpoints

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password-2024"  # may not contain a username (the password policy)
CHANGED_PASSWORD = "load-test-password-2025"  # the first sign-in replaces a password an administrator set


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


async def fresh_database(server_url: str, name: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


async def settle(dsn: str, log: Any) -> None:
    """After the scan's rolled-back repeats (~300,000 dead escalation and outbox rows), vacuum and
    checkpoint now, rather than let autovacuum and a spread checkpoint run under the API
    benchmark: on a 2-core machine they share the cores and the disk with the app and wrk."""
    started = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM (ANALYZE) escalation, outbox_event")
        # the generator's million rows leave a checkpoint that PostgreSQL would otherwise spread
        # over the next minutes (checkpoint_completion_target), writing under the API runs
        try:
            await conn.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            log("CHECKPOINT refused (needs superuser or pg_checkpoint): the API runs may share the disk with one")
    finally:
        await conn.close()
    log(f"vacuumed and checkpointed after the scan in {time.monotonic() - started:.1f} s")


async def drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def bench_env(dsn: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": dsn,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RECTIFY_DATA_DIR": str(work),
        "RECTIFY_QUEUE_PREFIX": "rectify-bench",
        "RECTIFY_RATE_LIMIT": "",  # the limiter would answer 429 to a load generator
        "RECTIFY_LOG_LEVEL": "WARNING",
        "RECTIFY_JWT_SECRET": "bench-jwt-secret-not-for-production-0123456789",
        "RECTIFY_ACCESS_TOKEN_MINUTES": "1440",
        "RECTIFY_NEW_PASSWORD": PASSWORD,
        "BENCH_DSN": dsn,
        # the bench's modules, then the caller's path (a worktree's sources before the installed ones)
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")) if p),
    }


async def token_for(username: str) -> str:
    import httpx

    from issues_api.main import create_app

    app = create_app(run_relay=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
            resp = await c.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            resp.raise_for_status()
            if resp.json().get("must_change_password"):  # set by an administrator (the CLI): change it first
                auth = {"Authorization": f"Bearer {resp.json()['access_token']}"}
                body = {"current_password": PASSWORD, "new_password": CHANGED_PASSWORD}
                (await c.post("/api/v1/me/password", json=body, headers=auth)).raise_for_status()
                resp = await c.post("/api/v1/auth/token", data={"username": username, "password": CHANGED_PASSWORD})
                resp.raise_for_status()
            return str(resp.json()["access_token"])


async def any_measure(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT id FROM measure ORDER BY id LIMIT 1"))
    finally:
        await conn.close()


def _prepare(dsn: str, scale: float, env: dict[str, str], rectify: str) -> str:
    """Another scale's database (DATABASE_URL points at it): migrated, generated, the bench user's token."""
    from issues_api.schema import upgrade
    from rectify_shared.settings import load_settings

    upgrade(load_settings().effective_database_url)
    loaded = asyncio.run(generate.load(dsn, seed=7, scale=scale, log=log))
    log(f"flat: generated scale {scale:g}: {loaded}")
    subprocess.run([rectify, "users", "create", "--username", "bench", "--org-id", "1", "--role", "office_admin"],
                   env={**env, "DATABASE_URL": dsn, "BENCH_DSN": dsn}, check=True)  # fmt: skip
    return asyncio.run(token_for("bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("RECTIFY_BENCH_SCALE", "1.0")))
    parser.add_argument("--report-scale", type=float, default=None, help="default: min(1, 10 × scale)")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("RECTIFY_BENCH_SECONDS", "5")))
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("RECTIFY_BENCH_REPEATS", "3")))
    parser.add_argument("--database", default="rectify_bench")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--note", action="append", default=[], help="a note for the results' machine section")
    parser.add_argument("--sse-clients", type=int, default=1000, help="open change streams in the sse benchmark")
    parser.add_argument("--flat-scales", default="", help="comma-separated scales; default 0.1,1,3 × --scale")
    parser.add_argument("--cold-samples", type=int, default=COLD_SAMPLES,
                        help="writes, each followed by a past-day request, in the stats' cold rows")  # fmt: skip
    parser.add_argument("--only", default="", help=f"comma-separated, of {','.join(SECTIONS)}; default: all")
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    if unknown := set(only) - set(SECTIONS):
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    wanted = set(only or SECTIONS)
    report_scale = args.report_scale if args.report_scale is not None else min(1.0, 10 * args.scale)
    if not have_wrk():
        print("make bench needs wrk and taskset: apt-get install -y wrk util-linux", file=sys.stderr)
        return 2
    server = os.environ.get("BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/postgres")
    dsn = asyncio.run(fresh_database(server, args.database))
    work = Path(tempfile.mkdtemp(prefix="rectify-bench-"))
    env = bench_env(dsn, work)
    os.environ.update(env)
    try:
        from issues_api.schema import upgrade
        from rectify_shared.settings import load_settings

        upgrade(load_settings().effective_database_url)
        started = time.monotonic()
        loaded = asyncio.run(generate.load(dsn, seed=7, scale=args.scale, log=log))
        log(f"generated scale {args.scale:g} in {time.monotonic() - started:.0f} s")
        rectify = str(Path(sys.executable).parent / "rectify")
        subprocess.run([rectify, "users", "create", "--username", "bench",
                        "--org-id", "1", "--role", "office_admin"], env=env, check=True)  # fmt: skip
        token = asyncio.run(token_for("bench"))
        results: list[Result] = []
        if "scan" in wanted:
            results += in_section("scan", asyncio.run(run_scan_bench(load_settings(), dsn, args.repeats, log)))
            asyncio.run(settle(dsn, log))
        if "api" in wanted:
            endpoints = asyncio.run(endpoints_for(token))
            xlsx_measures = max(1000, round(100_000 * report_scale))
            results += in_section("api", run_api(token, env, work, endpoints, args.repeats, args.seconds,
                                                 render_process(xlsx_measures), log, xlsx_measures))  # fmt: skip
        if "stats" in wanted:  # the dashboard's figures: the office's and a league's (org 2's subtree)
            subprocess.run([rectify, "users", "create", "--username", "benchleague", "--org-id", "2",
                            "--role", "office_admin"], env=env, check=True)  # fmt: skip
            eps = asyncio.run(stats_endpoints(token, asyncio.run(token_for("benchleague"))))
            results += in_section(
                "stats", run_stats(eps, env, work, args.repeats, args.seconds, log, args.cold_samples)
            )
        if "queue" in wanted:
            results += in_section("queue", asyncio.run(run_queue_bench(
                env["REDIS_URL"], max(50, round(1000 * report_scale)), args.repeats, log)))  # fmt: skip
        if "reports" in wanted:
            results += in_section("reports", run_report_bench(report_scale, args.repeats, log))
        if "todo" in wanted:
            unit_org, measures = asyncio.run(busiest_unit(dsn))
            subprocess.run([rectify, "users", "create", "--username", "benchunit", "--org-id", str(unit_org),
                            "--role", "unit_operator"], env=env, check=True)  # fmt: skip
            log(f"todo: a unit operator of org {unit_org} (responsible for {measures} measures)")
            unit_token = asyncio.run(token_for("benchunit"))
            results += in_section("todo", run_todo(unit_token, env, work, args.repeats, args.seconds, log))
        if "sse" in wanted:
            measure = asyncio.run(any_measure(dsn))
            results += in_section("sse", run_sse(token, env, measure, args.repeats, log, args.sse_clients))
        if "flat" in wanted:
            scales = [float(x) for x in args.flat_scales.split(",") if x.strip()] or [
                round(f * args.scale, 6) for f in (0.1, 1, 3)
            ]
            results += in_section("flat", run_flat(
                scales, args.scale, dsn,
                lambda n: asyncio.run(fresh_database(server, f"{args.database}_{n}")),
                lambda n: asyncio.run(drop_database(server, f"{args.database}_{n}")),
                lambda other, scale: _prepare(other, scale, env, rectify), token, log,
            ))  # fmt: skip
        if "imports" in wanted:  # two fresh databases with the demo; 20 problems at the least (judged at 2,000)
            results += in_section("imports", run_import_bench(server, report_scale, log))
        if "keys" in wanted:  # last: afterwards the data are under a key the other benchmarks' processes lack
            accounts = max(1000, round(100_000 * args.scale))
            results += in_section("keys", asyncio.run(run_rotation_bench(dsn, accounts, log)))
        notes = [
            f"scale {args.scale:g}: " + ", ".join(f"{k} {v}" for k, v in loaded.items()),
            f"reports at {report_scale:g} of full size; wrk {args.seconds:g} s × {args.repeats} interleaved repeats, "
            "32 connections; app and twin on core 0, wrk on core 1, PostgreSQL unpinned",
            *args.note,
        ]
        doc = write(results, notes, args.out, sections=only or None)
        print((args.out / "latest.md").read_text())
        missed = [b for b in doc["benchmarks"] if b["met"] is False]
        log(f"{len(doc['benchmarks'])} figures, {len(missed)} goals missed; {args.out / 'latest.json'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        asyncio.run(drop_database(server, args.database))
    return 0


if __name__ == "__main__":
    sys.exit(main())
