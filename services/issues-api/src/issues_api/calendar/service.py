"""The office's calendar years, and deadlines counted in working days on them."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import CalendarBook
from rectify_shared.enums import DeadlineChangeKind
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import CalendarDay, CalendarOverride, DeadlineChange, Issue, Measure, Org
from rectify_shared.models.types import utcnow
from rectify_shared.tree import in_subtree
from rectify_shared.workcalendar import WorkCalendar

from ..auth.principal import Principal
from ..core.error_catalogue import INVALID_INPUT
from ..core.errors import not_found
from ..outbox.change import record_change
from . import repository
from .errors import CALENDAR_OWNED_BY_ROOT
from .schemas import (
    DateRule,
    NamedDate,
    OverrideDay,
    OverrideKind,
    OverridesPut,
    OverridesRead,
    WorkingDaysAfterRule,
    YearPut,
    YearRead,
)


@dataclass(frozen=True)
class DeadlineSetting:
    deadline: date | None
    rule: dict[str, Any] | None
    provisional: bool
    #: the wording as written (an imported file's) and its precision (see `Issue.deadline_text`)
    text: str | None = None
    precision: str | None = None


async def deadline_setting(
    session: AsyncSession, deadline: date | None, rule: DateRule | WorkingDaysAfterRule | None, org_path: str
) -> DeadlineSetting:
    """The deadline a rule gives: `working_days_after` is counted on the calendar of the task's
    org (`org_path`: the root's calendar with its ancestors' and its own overrides) as loaded now
    (provisional on a year without official data); a plain date is taken as given."""
    if isinstance(rule, WorkingDaysAfterRule):
        calendar = await repository.load_calendar(session, org_path)
        counted = calendar.nth_workday_after(rule.event_date, rule.days)
        return DeadlineSetting(counted.day, rule.model_dump(mode="json"), counted.provisional, None, "working_days")
    if deadline is None:
        return DeadlineSetting(None, None, False)
    return DeadlineSetting(deadline, {"kind": "date"}, False, None, "day")


def _year_errors(year: int, data: YearPut) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []

    def bad(field: str, row: int, reason: str) -> None:
        problems.append({"field": f"body.{field}", "row": row, "column": "date", "reason": reason})

    for field, rows in (("holidays", data.holidays), ("makeup_workdays", data.makeup_workdays)):
        seen = Counter(r.date for r in rows)
        for i, r in enumerate(rows):
            if r.date.year != year:
                bad(field, i, f"{r.date} is not in {year}")
            if seen[r.date] > 1:
                bad(field, i, f"{r.date} is listed more than once")
    holidays = {r.date for r in data.holidays}
    for i, r in enumerate(data.makeup_workdays):
        if r.date in holidays:
            bad("makeup_workdays", i, f"{r.date} is also a holiday")
        if r.date.weekday() < 5:
            bad("makeup_workdays", i, f"{r.date} is a weekday: a make-up workday (调休) falls on a weekend")
    return problems


def _snapshot(holidays: list[NamedDate], makeup: list[NamedDate]) -> dict[str, Any]:
    return {
        "holidays": len(holidays),
        "makeup_workdays": len(makeup),
        "holiday_dates": [h.date.isoformat() for h in holidays],
        "makeup_dates": [m.date.isoformat() for m in makeup],
    }


async def _year_lists(session: AsyncSession, year: int) -> tuple[str, list[NamedDate], list[NamedDate]]:
    """(source, holidays, make-up workdays) of the year's stored days, else the package's.
    A loaded year always has days (at least one holiday): no days means package data or none."""
    days = await repository.year_days(session, year)
    if days:
        return (
            "office",
            [NamedDate(date=d.day, name=d.name) for d in days if d.kind == "holiday"],
            [NamedDate(date=d.day, name=d.name) for d in days if d.kind == "makeup_workday"],
        )
    pkg = repository.package_year(year)
    if pkg is None:
        return "none", [], []
    return (
        "package",
        [NamedDate(date=d, name=n) for d, n in sorted(pkg.holidays.items())],
        [NamedDate(date=d, name=n) for d, n in sorted(pkg.makeup_workdays.items())],
    )


async def read_year(session: AsyncSession, year: int, calendar: WorkCalendar | None = None) -> YearRead:
    """The year as the calendar now has it: the office's load, else the package's, else nothing."""
    row = await repository.get_year(session, year)
    source, holidays, makeup = await _year_lists(session, year)
    cal = calendar or await repository.load_calendar(session)
    return YearRead(
        year=year,
        source=source,
        updated_by=row.updated_by if row else None,
        updated_at=row.updated_at if row else None,
        holidays=holidays,
        makeup_workdays=makeup,
        workdays=cal.workdays_between(date(year, 1, 1), date(year, 12, 31)),
    )


async def _require_calendar_owner(session: AsyncSession, principal: Principal) -> None:
    """The work calendar counts every deadline in the database: the root org's office owns it.
    An office lower in the tree (a league under a province) may not change it for everyone."""
    org = await session.get(Org, principal.org_id)
    if principal.kind == "system":
        return
    if org is None or org.parent_id is not None:
        raise CALENDAR_OWNED_BY_ROOT.error()


async def replace_year(session: AsyncSession, principal: Principal, year: int, data: YearPut) -> YearRead:
    """Replace the year's official days, then recompute the deadlines that waited for them."""
    await _require_calendar_owner(session, principal)
    problems = _year_errors(year, data)
    if problems:
        raise INVALID_INPUT.error(
            message=f"{year}年日历数据有误", message_en=f"Invalid calendar data for {year}", details=problems
        )
    await repository.lock_year(session, year, principal.name)
    source, old_holidays, old_makeup = await _year_lists(session, year)  # under the lock, not yet replaced
    await repository.replace_days(
        session,
        year,
        [CalendarDay(day=h.date, year=year, kind="holiday", name=h.name) for h in data.holidays]
        + [CalendarDay(day=m.date, year=year, kind="makeup_workday", name=m.name) for m in data.makeup_workdays],
    )
    book = await repository.load_book(session)
    holidays = sorted(data.holidays, key=lambda r: r.date)
    makeup = sorted(data.makeup_workdays, key=lambda r: r.date)
    after = _snapshot(holidays, makeup)
    await record_change(
        session,
        principal,
        EventType.calendar_year_replaced,
        "calendar_year",
        year,
        data=ev.CalendarYearReplaced(year=year, holidays=after["holidays"], makeup_workdays=after["makeup_workdays"]),
        before={"source": source, **_snapshot(old_holidays, old_makeup)},
        after={"source": "office", **after},
        org_path=None,
    )
    recomputed = await recompute_provisional(session, principal, book, f"{year}年官方日历已载入")
    result = await read_year(session, year, book.base)
    return result.model_copy(update={"recomputed": recomputed})


async def recompute_provisional(session: AsyncSession, principal: Principal, book: CalendarBook, reason: str) -> int:
    """Recount every provisional working-day deadline, each on the calendar of its task's org;
    returns how many changed. The candidates are loaded with one query per table: there are few
    (only rules that reach past the last official year)."""
    changed = 0
    for kind, rows in (
        ("issue", await repository.provisional_issues(session)),
        ("measure", await repository.provisional_measures(session)),
    ):
        for row in rows:
            changed += await _recompute(session, principal, book.for_path(row.org_path), kind, row, reason)
    return changed


async def recompute_subtree(
    session: AsyncSession, principal: Principal, book: CalendarBook, path: str, reason: str
) -> int:
    """Recount every working-day deadline of the tasks in the subtree at `path` (an org's
    overrides changed: its tasks' deadlines move with its calendar); returns how many changed."""
    changed = 0
    for kind, rows in (
        ("issue", await repository.rule_issues(session, in_subtree(Issue.org_path, path))),
        ("measure", await repository.rule_measures(session, in_subtree(Measure.org_path, path))),
    ):
        for row in rows:
            changed += await _recompute(session, principal, book.for_path(row.org_path), kind, row, reason)
    return changed


def _override_errors(year: int, data: OverridesPut) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    seen = Counter(r.date for r in data.days)
    for i, r in enumerate(data.days):
        if r.date.year != year:
            problems.append({"field": "body.days", "row": i, "column": "date", "reason": f"{r.date} is not in {year}"})
        if seen[r.date] > 1:
            problems.append(
                {"field": "body.days", "row": i, "column": "date", "reason": f"{r.date} is listed more than once"}
            )
    return problems


def _owned_org_or_404(principal: Principal, org: Org | None) -> Org:
    """An org the caller's subtree holds; any other id answers 404 (ids are sequential)."""
    if org is None or (principal.kind != "system" and not principal.subtree.contains(org.path)):
        raise not_found("单位", "Org")
    return org


async def org_for_reading(session: AsyncSession, principal: Principal, org_id: int | None) -> Org:
    """The org whose calendar a reader asks for: its own when none is named."""
    org = await session.get(Org, principal.org_id if org_id is None else org_id)
    if org_id is None and org is None and principal.kind == "system":
        raise not_found("单位", "Org")
    return _owned_org_or_404(principal, org)


async def read_overrides(session: AsyncSession, principal: Principal, org_id: int, year: int | None) -> OverridesRead:
    org = await org_for_reading(session, principal, org_id)
    assert org.id is not None
    rows = await repository.overrides_of(session, org.path, year)
    return _overrides_read(org, year, rows)


def _overrides_read(org: Org, year: int | None, rows: Sequence[CalendarOverride], recomputed: int = 0) -> OverridesRead:
    assert org.id is not None
    return OverridesRead(
        org_id=org.id,
        year=year,
        days=[OverrideDay(date=r.day, kind=OverrideKind(r.kind), name=r.name) for r in rows],
        updated_by=max((r.updated_by for r in rows), default=None) if rows else None,
        updated_at=max((r.updated_at for r in rows), default=None),
        recomputed=recomputed,
    )


async def replace_overrides(
    session: AsyncSession, principal: Principal, org_id: int, year: int, data: OverridesPut
) -> OverridesRead:
    """An office's own days for an org of its subtree (its own org: its whole subtree), replacing
    that org's overrides in the year; then its tasks' working-day deadlines are recounted."""
    org = _owned_org_or_404(principal, await repository.lock_org(session, org_id))
    assert org.id is not None
    problems = _override_errors(year, data)
    if problems:
        raise INVALID_INPUT.error(
            message=f"{year}年日历调整有误", message_en=f"Invalid calendar overrides for {year}", details=problems
        )
    old = await repository.overrides_of(session, org.path, year)
    before = {"days": [{"date": r.day.isoformat(), "kind": r.kind, "name": r.name} for r in old]}
    now = utcnow()
    rows = [
        CalendarOverride(
            org_path=org.path, day=d.date, org_id=org.id, year=year, kind=d.kind.value, name=d.name,
            updated_by=principal.name, updated_at=now,
        )
        for d in sorted(data.days, key=lambda d: d.date)
    ]  # fmt: skip
    after = {"days": [{"date": r.day.isoformat(), "kind": r.kind, "name": r.name} for r in rows]}
    await repository.replace_overrides(session, org.path, year, rows)
    await record_change(
        session,
        principal,
        EventType.calendar_overrides_replaced,
        "calendar_override",
        org.id,
        data=ev.CalendarOverridesReplaced(org_id=org.id, year=year, days=len(rows)),
        before=before,
        after=after,
        org_path=org.path,
    )
    book = await repository.load_book(session)
    recomputed = await recompute_subtree(session, principal, book, org.path, f"{org.name}{year}年工作日调整")
    return _overrides_read(org, year, await repository.overrides_of(session, org.path, year), recomputed)


async def _recompute(
    session: AsyncSession, principal: Principal, calendar: WorkCalendar, kind: str, row: Issue | Measure, reason: str
) -> int:
    rule = row.deadline_rule or {}
    if rule.get("kind") != "working_days_after":
        return 0
    assert row.id is not None
    parsed = WorkingDaysAfterRule.model_validate(rule)
    counted = calendar.nth_workday_after(parsed.event_date, parsed.days)
    old, was_provisional = row.deadline, row.deadline_provisional
    if counted.day == old and counted.provisional == was_provisional:
        return 0
    if counted.day != old:
        session.add(
            DeadlineChange(
                entity_type=kind,
                entity_id=row.id,
                old_deadline=old,
                new_deadline=counted.day,
                kind=DeadlineChangeKind.calendar_recompute,
                reason=reason,
                changed_by=principal.name,
            )
        )
    row.deadline, row.deadline_provisional, row.updated_at = counted.day, counted.provisional, utcnow()
    before = {"deadline": old.isoformat() if old else None, "deadline_provisional": was_provisional}
    after = {"deadline": counted.day.isoformat(), "deadline_provisional": counted.provisional}
    fields = {"id": row.id, **after, "from": before["deadline"], "reason": reason}
    event: EventType
    data: ev.DeadlineRecomputed
    if isinstance(row, Measure):
        event, data = (
            EventType.measure_deadline_recomputed,
            ev.MeasureDeadlineRecomputed(**fields, issue_id=row.issue_id),
        )
    else:
        event, data = EventType.issue_deadline_recomputed, ev.IssueDeadlineRecomputed(**fields)
    await record_change(
        session,
        principal,
        event,
        kind,
        row.id,
        data=data,
        before=before,
        after=after,
        org_path=row.org_path,
    )
    return 1
