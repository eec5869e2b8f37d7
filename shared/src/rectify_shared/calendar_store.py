"""The work calendar as the office keeps it: the package's years, each year the root's office
loaded (`calendar_year`) replaced by exactly its `calendar_day` rows, and on top of that the
orgs' own overrides of single days (`calendar_override`) for their subtrees — the nearest
ancestor's override of a day wins (issue 19, finding #9).

Cached per process and database, behind one cheap read: every use first reads the calendar's
version token (`calendar_version`, one row that the database's triggers change with every write
to the three tables, in the writing transaction), and rereads the rows only when it differs from
the token the cached calendar was read under. So every replica still sees a year or an override
the moment another one commits it, and a request that needs the calendar (`GET /me/todo`, a
problem's days overdue) pays one indexed row instead of every office day. The token is read
before the rows: a write committed in between leaves newer rows under the older token, which the
next use rereads; never older rows under a newer token.
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
from .models import CalendarDay, CalendarOverride, CalendarVersion, CalendarYear
from .tree import in_subtree
from .workcalendar import DayKind, Override, WorkCalendar, YearData, package_years


@lru_cache(maxsize=1)
def package_data() -> dict[int, YearData]:
    """The package's data never changes within a process: build it once."""
    return package_years()


_OFFICE_YEARS = select(col(CalendarYear.year))
_OFFICE_DAYS = select(col(CalendarDay.day), col(CalendarDay.kind), col(CalendarDay.name))
_VERSION = select(col(CalendarVersion.token)).where(col(CalendarVersion.id) == 1)
_OVERRIDES = select(
    col(CalendarOverride.org_path),
    col(CalendarOverride.day),
    col(CalendarOverride.kind),
    col(CalendarOverride.name),
)


@dataclass
class _Cached:
    token: int
    base: WorkCalendar
    book: "CalendarBook | None" = None


#: database (its URL, password hidden) -> the calendar last read there and its token
_CACHE: dict[str, _Cached] = {}


#: id of an engine's URL -> (the URL, its text): rendering it was ~20 us of every request that
#: reads the calendar (the URL held, so its id is its own)
_RENDERED: dict[int, tuple[Any, str]] = {}


def _database(session: "AsyncSession | ReadConnection") -> str:
    engine: Any = session.bind if isinstance(session, ReadConnection) else session.get_bind()
    url = engine.url
    known = _RENDERED.get(id(url))
    if known is not None and known[0] is url:
        return known[1]
    text = str(url.render_as_string(hide_password=True))
    if len(_RENDERED) > 64:  # engines made and dropped (tests): forget them
        _RENDERED.clear()
    _RENDERED[id(url)] = (url, text)
    return text


#: a token not read yet (`load_base_calendar` reads it)
UNREAD: Any = object()
#: the calendar's token as a statement, for a caller that reads it with its own rows in one round
#: trip, then gives it to `load_base_calendar`, which reads no statement on a hit: `GET /me/todo`
#: as a part of its `UNION ALL`; `GET /measures` as a column of each row (`.scalar_subquery()`,
#: NULL when the row is gone)
VERSION_TOKEN = _VERSION


async def _cached(
    session: "AsyncSession | ReadConnection", token: Any = UNREAD
) -> tuple[str, int | None, _Cached | None]:
    """(database, its token now, the cached calendar when read under that token). No token (the
    row is gone: a test emptied the tables) caches nothing. `token`: the token the caller has
    just read (`VERSION_TOKEN`, before any row of the calendar), else read here."""
    if token is UNREAD:
        rows = await fetch(session, _VERSION)
        token = int(rows[0][0]) if rows else None
    key = _database(session)
    hit = _CACHE.get(key)
    return key, token, (hit if hit is not None and token is not None and hit.token == token else None)


def forget_cached_calendars() -> None:
    """Drop every cached calendar (tests that write the tables behind the triggers' back)."""
    _CACHE.clear()


async def load_base_calendar(session: "AsyncSession | ReadConnection", token: Any = UNREAD) -> WorkCalendar:
    """The calendar every org shares: the package's years and the root's loaded years. Through
    `db.fetch`, so the ledger's fast path (a `ReadConnection`) reads it as a session does; the
    rows only when the calendar's token changed since this process last read them. `token`: the
    calendar's token as the caller read it (`VERSION_TOKEN`, None when there is no row) in this
    transaction, before anything it reads of the calendar; by default it is read here."""
    key, token, hit = await _cached(session, token)
    if hit is not None:
        return hit.base
    base = await _read_base(session)
    if token is not None:
        _CACHE[key] = _Cached(token, base)
    return base


async def _read_base(session: "AsyncSession | ReadConnection") -> WorkCalendar:
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
    """The shared calendar and every org's overrides, cached as the shared one is."""
    key, token, hit = await _cached(session)
    if hit is not None and hit.book is not None:
        return hit.book
    base = hit.base if hit is not None else await _read_base(session)
    overrides: dict[str, dict[date, Override]] = {}
    for path, day, kind, name in (await session.execute(_OVERRIDES)).all():
        overrides.setdefault(path, {})[day] = Override(DayKind(kind), name)
    book = CalendarBook(base, overrides)
    if token is not None:
        _CACHE[key] = _Cached(token, base, book)
    return book


async def load_calendar(session: AsyncSession, org_path: str | None = None) -> WorkCalendar:
    """The calendar of the org at `org_path` (its ancestors' and its own overrides applied);
    without a path, the calendar every org shares."""
    if org_path is None:
        return await load_base_calendar(session)
    return (await load_book(session)).for_path(org_path)
