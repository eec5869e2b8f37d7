"""`python -m notifier`: run the notifier worker on its own queue."""

import structlog

from rectify_shared import clock, data_keys
from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.heartbeat import Beat
from rectify_shared.job_context import WorkerContext, as_arq
from rectify_shared.jobs import HANDLE_EVENT, NOTIFIER_QUEUE, RUN_SCAN_REQUEST, WITHDRAW_SCAN
from rectify_shared.logs import configure_logging
from rectify_shared.private_files import restrict_new_files
from rectify_shared.queue import HeartbeatWorker, periodic, worker_options
from rectify_shared.settings import Settings, load_settings
from rectify_shared.timezone import CHINA_TZ

from .delivery.jobs import SEND_DELIVERY, send_daily_digest, send_delivery, sweep_deliveries
from .delivery.quiet import parse_quiet_hours
from .events import handle_event
from .partitions import maintain_partitions
from .reconcile import reconcile_events, watch_redis
from .scan_jobs import daily_scan, scan_requested, scan_withdraw_requested, sweep_scan_requests

log = structlog.get_logger("notifier")


def build_worker(settings: Settings) -> HeartbeatWorker:
    async def on_startup(ctx: WorkerContext) -> None:
        clock.configure(settings)
        data_keys.install_from(settings)  # contacts and webhook secrets are encrypted at rest
        engine = engine_for(settings)
        ctx["engine"] = engine
        ctx["write_sessions"] = make_sessionmaker(engine, write=True)
        ctx["read_sessions"] = make_sessionmaker(engine, write=False)
        from .delivery.channels.factory import build_channels, describe

        parse_quiet_hours(settings.sms_quiet_hours)  # a malformed setting stops start-up, not each send

        # arq puts its own (JSON-serialising) pool in ctx["redis"]: deliveries enqueue through it
        ctx["channels"] = build_channels(settings, ctx.get("redis"))  # WeCom/DingTalk tokens live there
        for line in describe(ctx["channels"]):
            log.info("delivery_channel", channel=line)

    async def on_shutdown(ctx: WorkerContext) -> None:
        for channel in ctx.get("channels", {}).values():
            await channel.aclose()
        await ctx["engine"].dispose()

    from arq import cron, func

    hour, minute = (int(x) for x in settings.scan_time.split(":"))
    digest_hour, digest_minute = (int(x) for x in settings.digest_time.split(":"))
    cron_functions, cron_jobs = periodic(
        [
            # names carry the queue prefix: arq keys cron runs globally in Redis
            cron(as_arq(daily_scan), name=f"{settings.queue_prefix}:daily_scan", hour=hour, minute=minute),
            cron(
                as_arq(send_daily_digest),
                name=f"{settings.queue_prefix}:daily_digest",
                hour=digest_hour,
                minute=digest_minute,
            ),
            cron(as_arq(sweep_scan_requests), name=f"{settings.queue_prefix}:sweep_scans", second=30),
            cron(as_arq(sweep_deliveries), name=f"{settings.queue_prefix}:sweep_deliveries", second={0, 30}),
            cron(as_arq(reconcile_events), name=f"{settings.queue_prefix}:reconcile_events", second=15),
            cron(as_arq(watch_redis), name=f"{settings.queue_prefix}:watch_redis", second=set(range(0, 60, 5))),
            # monthly partitions (PostgreSQL) ahead; `rectify migrate` runs the same upkeep once
            cron(as_arq(maintain_partitions), name=f"{settings.queue_prefix}:partitions", hour=3, minute=17),
        ],
        settings.run_periodic,
    )
    return HeartbeatWorker(
        functions=[
            func(as_arq(handle_event), name=HANDLE_EVENT),
            func(as_arq(scan_requested), name=RUN_SCAN_REQUEST),
            func(as_arq(scan_withdraw_requested), name=WITHDRAW_SCAN),
            # no kept result: a job id frees as soon as its attempt is done, so the sweeper can
            # enqueue the same attempt again if the row is still owed
            func(as_arq(send_delivery), name=SEND_DELIVERY, keep_result=0),
            *cron_functions,
        ],
        cron_jobs=cron_jobs,
        beat=Beat(settings.effective_heartbeat_dir, "notifier"),
        metrics_port=settings.metrics_port,
        timezone=CHINA_TZ,  # type: ignore[arg-type]
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        ctx={"settings": settings},
        handle_signals=True,
        **worker_options(settings.effective_redis_url, settings.queue_prefix, NOTIFIER_QUEUE),
    )


def main() -> None:
    restrict_new_files()  # the message outbox files hold phone numbers and texts
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    build_worker(settings).run()


if __name__ == "__main__":
    main()
