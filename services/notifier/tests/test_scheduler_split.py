"""Only the scheduler (RECTIFY_RUN_PERIODIC=1) schedules the scans and sweepers; the other
notifier replicas still run a tick that lands on their queue, and every replica beats."""

from notifier.__main__ import build_worker
from rectify_shared.queue import HeartbeatWorker
from rectify_shared.settings import Settings

PERIODIC = {
    "p:daily_scan",
    "p:daily_digest",
    "p:sweep_scans",
    "p:sweep_deliveries",
    "p:reconcile_events",
    "p:watch_redis",
    "p:partitions",
}


def test_replicas_without_the_periodic_switch_schedule_nothing_but_can_run_every_tick(tmp_path):
    base = {"data_dir": tmp_path, "redis_url": "redis://127.0.0.1:6399/0", "queue_prefix": "p"}
    scheduler = build_worker(Settings(**base, run_periodic=True))
    replica = build_worker(Settings(**base, run_periodic=False))
    for worker in (scheduler, replica):  # signal handlers are set on the loop only when run
        assert isinstance(worker, HeartbeatWorker)
    assert {c.name for c in scheduler.cron_jobs} == PERIODIC
    assert replica.cron_jobs == []
    assert PERIODIC <= set(replica.functions) and set(replica.functions) == set(scheduler.functions)
