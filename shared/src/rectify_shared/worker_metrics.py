"""Prometheus metrics of a worker (notifier, report-worker) on its own port.

Off unless `RECTIFY_METRICS_PORT` is set: then `HeartbeatWorker` serves `GET /metrics` on that
port (all interfaces) from a small thread for as long as it runs. Everything is read at scrape
time from the arq worker's own counters and the heartbeat file, so the job path pays nothing.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .heartbeat import heartbeat_age


class ArqCounters(Protocol):
    """The counters arq's `Worker` keeps for itself."""

    jobs_complete: int
    jobs_failed: int
    jobs_retried: int
    tasks: dict[str, Any]


class WorkerCollector(Collector):
    def __init__(self, worker: ArqCounters, service: str, heartbeat_dir: Path) -> None:
        self.worker, self.service, self.heartbeat_dir = worker, service, heartbeat_dir

    def collect(self) -> Iterable[Metric]:
        labels = ("service",)
        for name, doc, value in (
            ("rectify_worker_jobs_done", "Jobs that finished successfully", self.worker.jobs_complete),
            (
                "rectify_worker_jobs_failed",
                "Jobs that failed for good (an error, a timeout, tries used up)",
                self.worker.jobs_failed,
            ),
            ("rectify_worker_jobs_retried", "Job attempts that asked to be tried again", self.worker.jobs_retried),
        ):
            counter = CounterMetricFamily(name, doc, labels=labels)
            counter.add_metric((self.service,), value)
            yield counter
        running = GaugeMetricFamily("rectify_worker_jobs_running", "Jobs running in this process", labels=labels)
        running.add_metric((self.service,), len(self.worker.tasks))
        yield running
        age = heartbeat_age(self.heartbeat_dir, self.service)
        if age is not None:
            beat = GaugeMetricFamily(
                "rectify_worker_heartbeat_age_seconds",
                "Seconds since the worker last polled its queue successfully (rectify_shared.heartbeat)",
                labels=labels,
            )
            beat.add_metric((self.service,), age)
            yield beat


def serve(port: int, worker: ArqCounters, service: str, heartbeat_dir: Path, addr: str = "0.0.0.0") -> Any:
    """Start the metrics server; returns the server (call `.shutdown()` to stop it)."""
    registry = CollectorRegistry()
    registry.register(WorkerCollector(worker, service, heartbeat_dir))
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server
