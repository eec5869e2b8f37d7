"""Calendar queries. Loading the calendar itself is shared with the notifier
(`rectify_shared.calendar_store.load_calendar`, re-exported here)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import load_book, load_calendar, package_data
from rectify_shared.models import CalendarDay, CalendarOverride, CalendarYear, Issue, Measure, Org
from rectify_shared.models.types import utcnow
from rectify_shared.workcalendar import YearData


def package_year(year: int) -> YearData | None:
    return package_data().get(year)


async def get_year(session: AsyncSession, year: int) -> CalendarYear | None:
    # populate_existing: `lock_year` writes the row with Core, behind the identity map's back
    stmt = select(CalendarYear).where(CalendarYear.year == year).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def year_days(session: AsyncSession, year: int) -> Sequence[Row[tuple[date, str, str]]]:
    """(day, kind, name) rows: columns, not entities, so that none lingers in the identity map
    when `replace_days` writes new rows with the same keys."""
    stmt = select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(CalendarDay.year == year)
    return (await session.execute(stmt.order_by(CalendarDay.day))).all()


async def lock_year(session: AsyncSession, year: int, actor: str) -> None:
    """Upsert the year's row, which also locks it (PostgreSQL) until commit: two concurrent
    loads of one year run one after the other instead of colliding on `calendar_day` keys."""
    values = {"year": year, "source": "office", "updated_by": actor, "updated_at": utcnow()}
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(CalendarYear).values(values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(CalendarYear).values(values)
    else:  # pragma: no cover - only the two supported engines
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    update = {k: stmt.excluded[k] for k in ("source", "updated_by", "updated_at")}
    await session.execute(stmt.on_conflict_do_update(index_elements=["year"], set_=update))


async def replace_days(session: AsyncSession, year: int, rows: Sequence[CalendarDay]) -> None:
    await session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    session.add_all(rows)
    await session.flush()


async def overrides_of(session: AsyncSession, org_path: str, year: int | None = None) -> Sequence[CalendarOverride]:
    stmt = select(CalendarOverride).where(CalendarOverride.org_path == org_path)
    if year is not None:
        stmt = stmt.where(CalendarOverride.year == year)
    return (await session.execute(stmt.order_by(CalendarOverride.day))).scalars().all()


async def lock_org(session: AsyncSession, org_id: int) -> Org | None:
    """The org's row, locked until commit (PostgreSQL): two loads of one org's overrides take turns."""
    stmt = select(Org).where(Org.id == org_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def replace_overrides(session: AsyncSession, org_path: str, year: int, rows: Sequence[CalendarOverride]) -> None:
    stmt = delete(CalendarOverride).where(CalendarOverride.org_path == org_path, CalendarOverride.year == year)
    await session.execute(stmt)
    session.add_all(rows)
    await session.flush()


async def rule_issues(session: AsyncSession, subtree: ColumnElement[bool] | None) -> Sequence[Issue]:
    """Live issues whose deadline is counted in working days (locked), in a subtree when given."""
    stmt = select(Issue).where(Issue.deadline_rule.is_not(None), Issue.withdrawn_at.is_(None))
    if subtree is not None:
        stmt = stmt.where(subtree)
    return (await session.execute(stmt.order_by(Issue.id).with_for_update())).scalars().all()


async def rule_measures(session: AsyncSession, subtree: ColumnElement[bool] | None) -> Sequence[Measure]:
    stmt = select(Measure).where(Measure.deadline_rule.is_not(None), Measure.withdrawn_at.is_(None))
    if subtree is not None:
        stmt = stmt.where(subtree)
    return (await session.execute(stmt.order_by(Measure.id).with_for_update())).scalars().all()


async def provisional_issues(session: AsyncSession) -> Sequence[Issue]:
    """Live issues whose deadline was computed on a year without official data (locked)."""
    stmt = (
        select(Issue)
        .where(Issue.deadline_provisional.is_(True), Issue.withdrawn_at.is_(None))
        .order_by(Issue.id)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalars().all()


async def provisional_measures(session: AsyncSession) -> Sequence[Measure]:
    stmt = (
        select(Measure)
        .where(Measure.deadline_provisional.is_(True), Measure.withdrawn_at.is_(None))
        .order_by(Measure.id)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalars().all()


__all__ = ["load_book", "load_calendar", "package_year"]
