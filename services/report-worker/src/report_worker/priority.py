"""The report worker's CPU priority: renders are batch work, the API's requests are not.

On one machine (the embedded default, or a VM running every service) a ledger render keeps a
core busy for seconds. At nice 10 the API's p99 at half load still rose 3.5x while one ran
(bench/, 2 cores): a woken request waited for the render's time slice to end. Under SCHED_IDLE
(Linux) the render runs only on a core nobody else wants and is preempted at once: 1.4x. Under
full load the render still progresses, slowly (the kernel gives idle work a small share).

Both rank the worker only against the tasks of its own scheduling group: Linux shares a core
fairly between groups first (a cgroup, or without one a session's autogroup) and applies nice and
SCHED_IDLE inside a group. PostgreSQL, which does most of an API request's work, runs in its own
service's group: beside it a SCHED_IDLE render in another group took half of a core (measured on
the bench machine: a busy loop at nice 10 under SCHED_IDLE got 50 % of the core a normal loop in
another session wanted, 4 % beside one in its own session). So a worker that leads its own
session (a service manager's, a container's) also lowers its session's autogroup to the bottom.
Under cgroups the worker's own cgroup carries it: `cpu.idle` (systemd `CPUWeight=idle`) or a
low `cpu.weight` (README, deployment).

Even at nice 19 an autogroup is an ordinary group between groups: the kernel (EEVDF, 6.x) picks
it now and then for its small share and lets it finish its slice, often to the next tick (4 ms at
HZ 250), so a request woken meanwhile waits; only a group with `cpu.idle` is preempted at once by
any waking task (perf sched on the bench machine: 9 of 9,926 wakeups that found a SCHED_IDLE loop
running waited 1-3.9 ms with the loop in a weight-15 group, none of 9,405 in a cpu.idle group).
A likely part of the rise left in the bench's paced list p99 while a report renders (its row
"p99 while a report renders in an idle cgroup" measures the other case); an idle group still gets
its small share a tick at a time, so `CPUWeight=idle` (the shipped systemd unit) cuts such stalls
(about 5x in that test), not to zero.
"""

import os
from pathlib import Path

from rectify_shared.settings import Settings


def lower_priority(settings: Settings) -> None:
    """Lower this process's CPU priority as the settings ask (before it starts threads: they inherit it)."""
    if settings.report_worker_nice:
        os.nice(settings.report_worker_nice)
    if settings.report_worker_idle and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    if settings.report_worker_idle or settings.report_worker_nice:
        lower_session_group(19 if settings.report_worker_idle else settings.report_worker_nice)


AUTOGROUP = Path("/proc/self/autogroup")


def lower_session_group(nice: int) -> bool:
    """Give this session's autogroup (Linux, outside cgroups) the `nice` weight against the other
    sessions', if this process leads the session (else the group is a shell's, shared with
    whatever it started: the API in a development session). True if it was set."""
    if os.getsid(0) != os.getpid() or not AUTOGROUP.exists():
        return False
    try:
        AUTOGROUP.write_text(str(nice))
    except OSError:  # a kernel without CONFIG_SCHED_AUTOGROUP's writes, or a read-only /proc
        return False
    return True
