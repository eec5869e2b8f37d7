"""The arq worker: its functions, cron jobs and resources, built from rectify_shared.

Nothing here reads the environment at import time: `build_worker(settings)` is called by
`python -m report_worker` after the settings are loaded.
"""

from typing import Any

from arq import cron, func
from arq.cron import CronJob

from rectify_shared import clock, data_keys
from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.heartbeat import Beat
from rectify_shared.job_context import WorkerContext, as_arq
from rectify_shared.jobs import RENDER_REPORT, REPORT_WORKER_QUEUE
from rectify_shared.queue import HeartbeatWorker, periodic, worker_options
from rectify_shared.settings import Settings, load_settings

from .jobs import render_report, sweep_reports

FUNCTIONS = [func(as_arq(render_report), name=RENDER_REPORT)]


def cron_jobs(prefix: str) -> list[CronJob]:
    # arq dedupes a cron tick by a job id made of the cron's name; the name carries the queue
    # prefix so that deployments sharing one Redis each run their own sweep.
    return [cron(as_arq(sweep_reports), name=f"cron:{prefix}:sweep_reports", second=0)]


async def on_startup(ctx: WorkerContext) -> None:
    settings: Settings = ctx.get("settings") or load_settings()
    ctx["settings"] = settings
    clock.configure(settings)
    data_keys.install_from(settings)  # objectors' names and contacts are encrypted at rest
    engine = engine_for(settings)
    ctx["engine"] = engine
    ctx["write_sessions"] = make_sessionmaker(engine, write=True)
    # report snapshots read from DATABASE_RO_URL (a replica) when it is set
    if settings.effective_database_ro_url != settings.effective_database_url:
        ctx["ro_engine"] = engine_for(settings, read_only=True)
        ctx["read_sessions"] = make_sessionmaker(ctx["ro_engine"], write=False)
    else:
        ctx["read_sessions"] = make_sessionmaker(engine, write=False)


async def on_shutdown(ctx: WorkerContext) -> None:
    for engine in (ctx.get("engine"), ctx.get("ro_engine")):
        if engine is not None:
            await engine.dispose()


def build_worker(settings: Settings, **overrides: Any) -> HeartbeatWorker:
    """The worker on its own queue, with JSON payloads (never pickle) and Redis retries."""
    options: dict[str, Any] = {
        **worker_options(settings.effective_redis_url, settings.queue_prefix, REPORT_WORKER_QUEUE),
        "handle_signals": True,
        **overrides,
    }
    cron_functions, crons = periodic(cron_jobs(settings.queue_prefix), settings.run_periodic)
    return HeartbeatWorker(
        functions=[*FUNCTIONS, *cron_functions],
        cron_jobs=crons,
        beat=Beat(settings.effective_heartbeat_dir, "report-worker"),
        metrics_port=settings.metrics_port,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        ctx={"settings": settings},
        **options,
    )
