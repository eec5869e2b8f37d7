"""The app's own metrics registry: request metrics, scrape-time gauges, process figures."""

from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from .gauges import ScrapeGauges
from .http import HttpMetrics


class RelayWork(Protocol):
    """What the outbox relay counts of its own work (`outbox.relay.OutboxRelay`)."""

    cpu_seconds: float
    positioned: int
    published: int


class RelayCounters(Collector):
    """The relay's own CPU and events: its share of the process's CPU, apart from the requests'."""

    def __init__(self, relay: RelayWork) -> None:
        self.relay = relay

    def collect(self) -> Iterable[Metric]:
        yield CounterMetricFamily(
            "rectify_outbox_relay_cpu_seconds",
            "CPU time the outbox relay's task used in this process (its steps on the event loop's thread)",
            value=self.relay.cpu_seconds,
        )
        events = CounterMetricFamily(
            "rectify_outbox_relay_events", "Outbox events this process's relay handled", labels=("step",)
        )
        events.add_metric(("positioned",), self.relay.positioned)
        events.add_metric(("published",), self.relay.published)
        yield events


class AppMetrics:
    """One per app (so tests that build many apps never share counters); made in `create_app`
    because the middleware needs it, while the gauges join in the lifespan once the database
    and the relay exist."""

    def __init__(self) -> None:
        # no `*_created` twin of every counter and histogram series (twice the series for
        # nothing Prometheus uses); a process-wide switch of prometheus_client, set before any metric
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        self.http = HttpMetrics(self.registry)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.gauges: ScrapeGauges | None = None
        self.relay: RelayCounters | None = None

    def attach(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis_ping: Callable[[], Awaitable[bool]] | None,
        relay: RelayWork | None = None,
    ) -> None:
        self.gauges = ScrapeGauges(sessions, redis_ping)
        self.registry.register(self.gauges)
        self.relay = RelayCounters(relay) if relay is not None else None
        if self.relay is not None:
            self.registry.register(self.relay)

    async def detach(self) -> None:
        if self.relay is not None:
            self.registry.unregister(self.relay)
            self.relay = None
        if self.gauges is not None:
            self.registry.unregister(self.gauges)
            await self.gauges.close()
            self.gauges = None

    async def exposition(self) -> bytes:
        if self.gauges is not None:
            await self.gauges.refresh()
        return generate_latest(self.registry)
