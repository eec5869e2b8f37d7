"""One clock for every service: `now()` (UTC) and `today()` (the day in China).

Every service reads the time through this module, so a demo or a test can play days forward
(`RECTIFY_CLOCK_OFFSET_DAYS`, or `set_offset` / `offset` in tests) and the scan, the ladder, the
stats and the reports all agree on what "today" is, without future `as_of` values.

An offset is honoured only on the embedded default (SQLite) and in tests: `configure(settings)`
refuses to start a production process (PostgreSQL) with one, because every recorded time would
then be false. Security clocks (JWT `iat`/`exp`) keep the real time on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from .timezone import CHINA_TZ

if TYPE_CHECKING:
    from .settings import Settings

_offset = timedelta(0)


class ClockOffsetRefused(RuntimeError):
    """A date offset was configured for a production database."""


def now() -> datetime:
    """The current instant, UTC, aware; moved by the configured offset."""
    return datetime.now(UTC) + _offset


def today() -> date:
    """The current day in China (Asia/Shanghai), the day people mean by "today"."""
    return now().astimezone(CHINA_TZ).date()


def offset_days() -> int:
    return _offset.days


def set_offset(days: int) -> None:
    """Tests and the embedded demo: move the whole clock `days` forward (negative: back)."""
    global _offset
    _offset = timedelta(days=days)


@contextmanager
def offset(days: int) -> Iterator[None]:
    """`with clock.offset(3): …`: the clock reads 3 days ahead inside the block."""
    before = _offset
    if days:
        set_offset(days)
    try:
        yield
    finally:
        globals()["_offset"] = before


def configure(settings: Settings) -> None:
    """Read once at a process's start (the API's lifespan, each worker's startup).

    A zero setting leaves the clock alone, so a test that moved it before building an app keeps
    its offset (the test suite resets the clock after every test)."""
    days = settings.clock_offset_days
    if days and not settings.effective_database_url.startswith("sqlite"):
        raise ClockOffsetRefused(
            f"RECTIFY_CLOCK_OFFSET_DAYS={days} 仅用于内置演示和测试，生产环境（PostgreSQL）拒绝启动 / "
            "a clock offset is honoured only in the embedded demo and tests; refusing to start on PostgreSQL"
        )
    if days:
        set_offset(days)
