"""The report worker's CPU priority: renders are batch work, the API's requests are not.

On one machine (the embedded default, or a VM running every service) a ledger render keeps a
core busy for seconds. At nice 10 the API's p99 at half load still rose 3.5x while one ran
(bench/, 2 cores): a woken request waited for the render's time slice to end. Under SCHED_IDLE
(Linux) the render runs only on a core nobody else wants and is preempted at once: 1.4x. Under
full load the render still progresses, slowly (the kernel gives idle work a small share).
"""

import os

from rectify_shared.settings import Settings


def lower_priority(settings: Settings) -> None:
    """Lower this process's CPU priority as the settings ask (before it starts threads: they inherit it)."""
    if settings.report_worker_nice:
        os.nice(settings.report_worker_nice)
    if settings.report_worker_idle and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
