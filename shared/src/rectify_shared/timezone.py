"""China Standard Time: dates people speak of ("as of 12月15日") are days in Asia/Shanghai."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def end_of_day(day: date) -> datetime:
    """The first instant after `day` ends in China: rows stamped before it count as of `day`."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA_TZ)


def today() -> date:
    """The day in China now, on the one clock (`rectify_shared.clock`)."""
    from . import clock

    return clock.today()
