"""The work calendar as the office keeps it: the package's years, each year the office loaded
(`calendar_year`) replaced by exactly its `calendar_day` rows.

Read fresh on every use (two small queries): nothing is cached across requests or scans, so every
replica sees a year the moment another one loads it. Only the package's own data is cached.
"""

from datetime import date
from functools import lru_cache

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import CalendarDay, CalendarYear
from .workcalendar import WorkCalendar, YearData, package_years


@lru_cache(maxsize=1)
def package_data() -> dict[int, YearData]:
    """The package's data never changes within a process: build it once."""
    return package_years()


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    years = dict(package_data())
    office = (await session.execute(select(col(CalendarYear.year)))).scalars().all()
    rows = (await session.execute(select(col(CalendarDay.day), col(CalendarDay.kind), col(CalendarDay.name)))).all()
    holidays: dict[int, dict[date, str]] = {y: {} for y in office}
    makeup: dict[int, dict[date, str]] = {y: {} for y in office}
    for day, kind, name in rows:
        if day.year in holidays:  # a day without its year row is ignored (never happens through the API)
            (holidays if kind == "holiday" else makeup)[day.year][day] = name
    for y in office:
        years[y] = YearData(holidays[y], makeup[y], "office")
    return WorkCalendar(years)
