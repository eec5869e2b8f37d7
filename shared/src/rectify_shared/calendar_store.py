"""The work calendar as the office keeps it: the package's years, each year the root's office
loaded (`calendar_year`) replaced by exactly its `calendar_day` rows, and on top of that the
orgs' own overrides of single days (`calendar_override`) for their subtrees — the nearest
ancestor's override of a day wins (issue 19, finding #9).

Read fresh on every use (three small queries): nothing is cached across requests or scans, so
every replica sees a year or an override the moment another one writes it. Only the package's own
data is cached.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from .db_fast import ReadConnection, fetch
from .models import CalendarDay, CalendarOverride, CalendarYear
from .tree import in_subtree
from .workcalendar import DayKind, Override, WorkCalendar, YearData, package_years


@lru_cache(maxsize=1)
def package_data() -> dict[int, YearData]:
    """The package's data never changes within a process: build it once."""
    return package_years()


_OFFICE_YEARS = select(col(CalendarYear.year))
_OFFICE_DAYS = select(col(CalendarDay.day), col(CalendarDay.kind), col(CalendarDay.name))


async def load_base_calendar(session: "AsyncSession | ReadConnection") -> WorkCalendar:
    """The calendar every org shares: the package's years and the root's loaded years. Through
    `db.fetch`, so the ledger's fast path (a `ReadConnection`) reads it as a session does."""
    years = dict(package_data())
    office = [row[0] for row in await fetch(session, _OFFICE_YEARS)]
    rows = await fetch(session, _OFFICE_DAYS)
    holidays: dict[int, dict[date, str]] = {y: {} for y in office}
    makeup: dict[int, dict[date, str]] = {y: {} for y in office}
    for day, kind, name in rows:
        if day.year in holidays:  # a day without its year row is ignored (never happens through the API)
            (holidays if kind == "holiday" else makeup)[day.year][day] = name
    for y in office:
        years[y] = YearData(holidays[y], makeup[y], "office")
    return WorkCalendar(years)


@dataclass(frozen=True)
class CalendarZone:
    """The part of the org tree that counts working days on one calendar: the subtree at `path`
    (everything when None) minus the subtrees in `excluded` (which have overrides of their own)."""

    calendar: WorkCalendar
    path: str | None = None
    excluded: tuple[str, ...] = ()

    def contains(self, path: str | None) -> bool:
        if path is None:
            return self.path is None
        inside = self.path is None or path.startswith(self.path)
        return inside and not any(path.startswith(q) for q in self.excluded)

    def clause(self, column: Any) -> ColumnElement[bool] | None:
        """The zone as a filter on an org-path column (None: no filter, the zone is everything)."""
        if self.path is None and not self.excluded:
            return None
        outside = [not_(in_subtree(column, q)) for q in self.excluded]
        if self.path is None:
            return or_(column.is_(None), and_(*outside))
        return and_(in_subtree(column, self.path), *outside)


@dataclass(frozen=True)
class CalendarBook:
    """The shared calendar and every org's overrides: the calendar of any org, and the zones a
    scan runs its rules in (one per org with overrides, plus the rest of the tree)."""

    base: WorkCalendar
    overrides: Mapping[str, Mapping[date, Override]] = field(default_factory=dict)

    def for_path(self, path: str | None) -> WorkCalendar:
        """The calendar of the org at `path`: its ancestors' overrides, root first, then its own."""
        calendar = self.base
        if path is None:
            return calendar
        for owner in sorted((p for p in self.overrides if path.startswith(p)), key=len):
            calendar = calendar.with_overrides(self.overrides[owner])
        return calendar

    def zones(self) -> list[CalendarZone]:
        owners = sorted(self.overrides)
        zones = [CalendarZone(self.base, None, tuple(owners))] if owners else [CalendarZone(self.base)]
        for owner in owners:
            deeper = tuple(q for q in owners if q != owner and q.startswith(owner))
            zones.append(CalendarZone(self.for_path(owner), owner, deeper))
        return zones


async def load_book(session: AsyncSession) -> CalendarBook:
    base = await load_base_calendar(session)
    stmt = select(
        col(CalendarOverride.org_path),
        col(CalendarOverride.day),
        col(CalendarOverride.kind),
        col(CalendarOverride.name),
    )
    overrides: dict[str, dict[date, Override]] = {}
    for path, day, kind, name in (await session.execute(stmt)).all():
        overrides.setdefault(path, {})[day] = Override(DayKind(kind), name)
    return CalendarBook(base, overrides)


async def load_calendar(session: AsyncSession, org_path: str | None = None) -> WorkCalendar:
    """The calendar of the org at `org_path` (its ancestors' and its own overrides applied);
    without a path, the calendar every org shares."""
    if org_path is None:
        return await load_base_calendar(session)
    return (await load_book(session)).for_path(org_path)
