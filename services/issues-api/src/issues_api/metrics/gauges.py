"""Gauges computed at scrape time: Redis and database health, outbox and delivery backlogs,
queued report jobs, schema version.

Each source is read at most once per `ttl` seconds by one task at a time (`Refreshed`), so any
number of scrapers cost the database one small batch of index-backed counts every few seconds,
and a scrape waits at most `budget` seconds: a slow or hung source answers with the last value
it had (Redis) or no sample at all (the backlogs) instead of holding the scrape.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.delivery_states import BACKLOG_STATES
from rectify_shared.enums import ReportState
from rectify_shared.models import Delivery, OutboxEvent, ReportJob

from ..schema import schema_state

T = TypeVar("T")

#: delivery states that are still owed work (sent/delivered/failed/suppressed/digested are done)
DELIVERY_BACKLOG_STATES = BACKLOG_STATES
REPORT_BACKLOG_STATES = (ReportState.queued.value, ReportState.running.value)
DB_TIMEOUT_SECONDS = 2.0
REDIS_TIMEOUT_SECONDS = 2.0


class Refreshed(Generic[T]):
    """A value fetched at most every `ttl` s, by a single task however many callers ask."""

    def __init__(self, fetch: Callable[[], Awaitable[T]], initial: T, ttl: float, budget: float) -> None:
        self.fetch, self.value, self.ttl, self.budget = fetch, initial, ttl, budget
        self._at = float("-inf")
        self._task: asyncio.Task[None] | None = None

    async def get(self) -> T:
        if self._task is None and time.monotonic() - self._at >= self.ttl:
            self._task = asyncio.create_task(self._refresh())
        if self._task is not None:
            # wait() (not wait_for) leaves a slow refresh running for the next scrape to pick up
            await asyncio.wait({self._task}, timeout=self.budget)
        return self.value

    async def _refresh(self) -> None:
        try:
            self.value = await self.fetch()
        finally:
            self._at = time.monotonic()
            self._task = None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


@dataclass
class DatabaseFigures:
    up: bool = False
    revision: str | None = None
    #: None when the backlog queries failed (no sample beats a stale one)
    outbox_unpositioned: int | None = None
    outbox_unpublished: int | None = None
    oldest_unpublished_age: float | None = None
    deliveries: dict[str, int] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)


async def read_database(sessions: async_sessionmaker[AsyncSession]) -> DatabaseFigures:
    """One short read transaction; never raises."""
    figures = DatabaseFigures()
    try:
        async with sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text(f"SET LOCAL statement_timeout = {int(DB_TIMEOUT_SECONDS * 1000)}"))
            revision = text("SELECT version_num FROM alembic_version")
            figures.revision = (await asyncio.wait_for(session.execute(revision), DB_TIMEOUT_SECONDS)).scalar()
            figures.up = True
            figures = await asyncio.wait_for(_backlogs(session, figures), DB_TIMEOUT_SECONDS)
    except Exception:  # a metrics read reports, it does not fail
        pass
    return figures


async def _backlogs(session: AsyncSession, figures: DatabaseFigures) -> DatabaseFigures:
    # each count rides a partial index (ix_outbox_unpositioned, ix_outbox_unpublished) or
    # ix_delivery_due / the report_job state index
    unpositioned = (
        await session.execute(select(func.count()).select_from(OutboxEvent).where(col(OutboxEvent.position).is_(None)))
    ).scalar_one()
    unpublished = (
        await session.execute(
            select(func.count())
            .select_from(OutboxEvent)
            .where(col(OutboxEvent.published_at).is_(None), col(OutboxEvent.position).is_not(None))
        )
    ).scalar_one()
    oldest = (
        await session.execute(select(func.min(OutboxEvent.created_at)).where(col(OutboxEvent.published_at).is_(None)))
    ).scalar_one()
    deliveries = {
        str(state): int(count)
        for state, count in (
            await session.execute(
                select(col(Delivery.state), func.count())
                .where(col(Delivery.state).in_(DELIVERY_BACKLOG_STATES))
                .group_by(col(Delivery.state))
            )
        ).all()
    }
    reports = {
        str(state): int(count)
        for state, count in (
            await session.execute(
                select(col(ReportJob.state), func.count())
                .where(col(ReportJob.state).in_(REPORT_BACKLOG_STATES))
                .group_by(col(ReportJob.state))
            )
        ).all()
    }
    figures.outbox_unpositioned = int(unpositioned)
    figures.outbox_unpublished = int(unpublished)
    figures.oldest_unpublished_age = 0.0 if oldest is None else max(0.0, (_now() - _aware(oldest)).total_seconds())
    figures.deliveries = {state: int(deliveries.get(state, 0)) for state in DELIVERY_BACKLOG_STATES}
    figures.reports = {str(state): int(reports.get(state, 0)) for state in REPORT_BACKLOG_STATES}
    return figures


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def check_redis(ping: Callable[[], Awaitable[bool]]) -> bool:
    try:
        return bool(await asyncio.wait_for(ping(), REDIS_TIMEOUT_SECONDS))
    except Exception:
        return False


class ScrapeGauges(Collector):
    """Registered in the app's registry; `refresh()` runs before each exposition."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis_ping: Callable[[], Awaitable[bool]] | None,
        *,
        ttl: float = 5.0,
        budget: float = 1.0,
    ) -> None:
        self.database = Refreshed(lambda: read_database(sessions), DatabaseFigures(), ttl, budget)
        self.redis: Refreshed[bool] | None = (
            Refreshed(lambda: check_redis(redis_ping), False, ttl, budget) if redis_ping is not None else None
        )
        self._db = DatabaseFigures()
        self._redis_up = False

    async def refresh(self) -> None:
        lookups = [self.database.get(), *([self.redis.get()] if self.redis else [])]
        results = await asyncio.gather(*lookups)
        self._db = results[0]  # type: ignore[assignment]
        if self.redis is not None:
            self._redis_up = bool(results[1])

    async def close(self) -> None:
        await self.database.close()
        if self.redis is not None:
            await self.redis.close()

    def collect(self) -> Iterable[Metric]:
        db = self._db
        yield GaugeMetricFamily(
            "rectify_redis_up", "1 when Redis answered a ping (checked every few seconds)", value=int(self._redis_up)
        )
        yield GaugeMetricFamily("rectify_database_up", "1 when the database answered", value=int(db.up))
        if db.up:
            ok = schema_state(db.revision) in ("current", "ahead")
            yield GaugeMetricFamily(
                "rectify_schema_version_ok",
                "1 when the database schema is this code's head revision or newer (expand/contract)",
                value=int(ok),
            )
        if db.outbox_unpositioned is not None and db.outbox_unpublished is not None:
            backlog = GaugeMetricFamily(
                "rectify_outbox_backlog_events",
                "Committed outbox events not yet given a feed position (unpositioned) or not yet published to Redis",
                labels=("stage",),
            )
            backlog.add_metric(("unpositioned",), db.outbox_unpositioned)
            backlog.add_metric(("unpublished",), db.outbox_unpublished)
            yield backlog
        if db.oldest_unpublished_age is not None:
            yield GaugeMetricFamily(
                "rectify_outbox_oldest_unpublished_age_seconds",
                "Age of the oldest outbox event not yet published (0 when none)",
                value=db.oldest_unpublished_age,
            )
        if db.deliveries:
            deliveries = GaugeMetricFamily(
                "rectify_delivery_backlog", "Deliveries still owed work, by state", labels=("state",)
            )
            for state, count in db.deliveries.items():
                deliveries.add_metric((state,), count)
            yield deliveries
        if db.reports:
            reports = GaugeMetricFamily(
                "rectify_report_jobs", "Report jobs waiting or rendering, by state", labels=("state",)
            )
            for state, count in db.reports.items():
                reports.add_metric((state,), count)
            yield reports
