"""The app's own metrics registry: request metrics, scrape-time gauges, process figures."""

from collections.abc import Awaitable, Callable

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from .gauges import ScrapeGauges
from .http import HttpMetrics


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

    def attach(
        self, sessions: async_sessionmaker[AsyncSession], redis_ping: Callable[[], Awaitable[bool]] | None
    ) -> None:
        self.gauges = ScrapeGauges(sessions, redis_ping)
        self.registry.register(self.gauges)

    async def detach(self) -> None:
        if self.gauges is not None:
            self.registry.unregister(self.gauges)
            await self.gauges.close()
            self.gauges = None

    async def exposition(self) -> bytes:
        if self.gauges is not None:
            await self.gauges.refresh()
        return generate_latest(self.registry)
