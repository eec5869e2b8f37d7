"""Today's figures of `GET /stats/issues` from the counts kept with the writes
(`rectify_shared.stats_tally`): a handful of sums over a few thousand group rows, whatever the
ledger's size, in place of a recount of every problem and its history.

Scope: a problem counts for a caller whose subtree holds its lead org (the groups' `org_path`), or,
below a top-level org, any of its orgs (`issue_org`): those led from outside the subtree are added
from their own `stats_issue_key` rows. A top-level office holds every lead org of its problems."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import dialect_of
from rectify_shared.enums import IssueStatus
from rectify_shared.indicator_rows import derived_issue_schedules
from rectify_shared.indicators import Schedule
from rectify_shared.models import Indicator, IssueOrg, Org
from rectify_shared.models.stats import StatsIssueDue, StatsIssueKey, StatsIssueTally
from rectify_shared.stats_tally import DONE

from ..auth.principal import Scope
from .schemas import DeadlineStats, ScheduleCounts

T, K, D = StatsIssueTally.__table__.c, StatsIssueKey.__table__.c, StatsIssueDue.__table__.c  # type: ignore[attr-defined]
FLAGS = ("on_schedule", "has_deadline", "on_time", "on_time_ext", "extended")


def _top_level(scope: Scope) -> bool:
    return not scope.exact and scope.path.count("/") == 2


def _where(table: Any, round_id: int | None, scope: Scope) -> list[Any]:
    out = [scope.clause(table.org_path)]
    if round_id is not None:
        out.append(table.round_id == round_id)
    return out


async def _outsiders(session: AsyncSession, round_id: int | None, scope: Scope) -> list[Any]:
    """The `stats_issue_key` rows of problems the caller sees through a responsible org only."""
    if _top_level(scope):
        return []
    through = select(IssueOrg.issue_id).where(scope.clause(IssueOrg.org_path))  # type: ignore[call-overload]
    stmt = select(K).where(K.issue_id.in_(through), ~scope.clause(K.org_path))
    if round_id is not None:
        stmt = stmt.where(K.round_id == round_id)
    return list((await session.execute(stmt)).all())


async def _rows(session: AsyncSession, stmt: Any) -> Sequence[Any]:
    return (await session.execute(stmt)).all()


class Figures:
    """The sums the router turns into `IssueStats`, in the shapes `repository.counts` gives."""

    def __init__(self) -> None:
        self.by_status: list[tuple[str, Any, int]] = []
        self.by_category: list[tuple[str, str, int, int]] = []
        self.by_org: list[tuple[int, str, str, str, int]] = []
        self.deadlines = DeadlineStats()
        self.schedule = ScheduleCounts(on_schedule=0, behind=0, unknown=0)

    def add_groups(self, rows: Sequence[Any]) -> None:
        """Rows: status, the five flags, n."""
        d = self.deadlines
        for status, on_schedule, has_deadline, on_time, on_time_ext, extended, n in rows:
            self.by_status.append((status, None, n))
            if status in DONE:
                if not has_deadline:
                    d.completed_without_deadline += n
                    continue
                d.completed += n
                d.on_time += n * on_time
                d.on_time_extended += n * on_time_ext
            d.extended += n * extended
            if status == IssueStatus.in_progress.value:
                self._schedule(on_schedule, n)

    def _schedule(self, on_schedule: int, n: int) -> None:
        s = self.schedule
        if on_schedule == 1:
            s.on_schedule += n
        elif on_schedule == 0:
            s.behind += n
        else:
            s.unknown += n

    def add_overdue(self, day: date, keys: Sequence[Any]) -> None:
        for k in keys:
            self.deadlines.overdue += int(k.due_original is not None and k.due_original < day)
            self.deadlines.overdue_extended += int(
                k.due_original is not None and k.due_in_force is not None and k.due_in_force < day
            )

    def judged(self, manual: int, derived: Schedule) -> None:
        """An in-progress problem whose indicators judge it: its hand-set flag gives way."""
        self._schedule(manual, -1)
        self._schedule(1 if derived == Schedule.on_schedule else 0, 1)

    def finish(self) -> None:
        d = self.deadlines
        if d.completed:
            d.on_time_rate = round(d.on_time / d.completed, 4)
            d.on_time_rate_extended = round(d.on_time_extended / d.completed, 4)


async def current(session: AsyncSession, round_id: int | None, scope: Scope, day: date) -> Figures:
    """Today's figures for the caller's problems (of one round, or all)."""
    out = Figures()
    where = [*_where(T, round_id, scope), T.n != 0]
    flags = [T[f] for f in FLAGS]
    if dialect_of(session).name == "postgresql":  # the three sums in one pass over the groups
        sets = func.grouping_sets(
            tuple_(T.status, *flags), tuple_(T.category, T.status), tuple_(T.lead_org_id, T.status)
        )
        which = func.grouping(T.category, T.lead_org_id)  # 3: the flags' sums, 1: a heading's, 2: an org's
        stmt = select(which, T.status, *flags, T.category, T.lead_org_id, func.sum(T.n), func.min(T.min_seq))
        rows = await _rows(session, stmt.where(*where).group_by(sets))
        out.add_groups([(r[1], *r[2:7], r[9]) for r in rows if r[0] == 3])
        out.by_category = [(r[7], r[1], r[9], r[10]) for r in rows if r[0] == 1]
        by_org = [(r[8], r[1], r[9]) for r in rows if r[0] == 2]
    else:
        groups = select(T.status, *flags, func.sum(T.n)).where(*where).group_by(T.status, *flags)
        out.add_groups([tuple(r) for r in await _rows(session, groups)])
        cats = select(T.category, T.status, func.sum(T.n), func.min(T.min_seq)).where(*where)
        out.by_category = [tuple(r) for r in await _rows(session, cats.group_by(T.category, T.status))]  # type: ignore[misc]
        orgs = select(T.lead_org_id, T.status, func.sum(T.n)).where(*where).group_by(T.lead_org_id, T.status)
        by_org = [tuple(r) for r in await _rows(session, orgs)]
    names = await _org_names(session, {r[0] for r in by_org})
    out.by_org = [(o, *names[o], status, n) for o, status, n in by_org if o in names]
    due = select(D.kind, func.sum(D.n)).where(*_where(D, round_id, scope), D.day < day).group_by(D.kind)
    for kind, n in await _rows(session, due):
        if kind == 0:
            out.deadlines.overdue += n
        else:
            out.deadlines.overdue_extended += n
    outsiders = await _outsiders(session, round_id, scope)
    await _add_keys(session, out, outsiders, day)
    await _judge(session, out, round_id, scope, outsiders, day)
    out.by_status = [r for r in out.by_status if r[2]]
    out.by_category = [r for r in out.by_category if r[2]]
    out.by_org = [r for r in out.by_org if r[4]]
    out.finish()
    return out


async def _org_names(session: AsyncSession, ids: set[int]) -> dict[int, tuple[str, str]]:
    """The lead orgs' names and paths (the caller sees their problems, so the names of their leads)."""
    if not ids:
        return {}
    found = await _rows(session, select(col(Org.id), col(Org.name), col(Org.path)).where(col(Org.id).in_(sorted(ids))))
    return {r.id: (r.name, r.path) for r in found}


async def _add_keys(session: AsyncSession, out: Figures, keys: Sequence[Any], day: date) -> None:
    """Problems counted one by one (their `stats_issue_key` rows)."""
    if not keys:
        return
    out.add_groups([(k.status, *(getattr(k, f) for f in FLAGS), 1) for k in keys])
    out.add_overdue(day, keys)
    out.by_category += [(k.category, k.status, 1, k.seq) for k in keys]
    names = await _org_names(session, {k.lead_org_id for k in keys})
    out.by_org += [(k.lead_org_id, *names.get(k.lead_org_id, ("", "")), k.status, 1) for k in keys]


async def _judge(
    session: AsyncSession, out: Figures, round_id: int | None, scope: Scope, outsiders: Sequence[Any], day: date
) -> None:
    """The in-progress problems with indicators: judged on `day` (`rectify_shared.schedule`)."""
    has = select(literal(1)).where(Indicator.issue_id == K.issue_id).exists()  # type: ignore[arg-type]
    stmt = select(K.issue_id, K.on_schedule).where(
        *_where(K, round_id, scope), K.status == IssueStatus.in_progress.value, has
    )
    manual = {r.issue_id: r.on_schedule for r in await _rows(session, stmt)}
    manual.update({k.issue_id: k.on_schedule for k in outsiders if k.status == IssueStatus.in_progress.value})
    if not manual:
        return
    for issue_id, schedule in (await derived_issue_schedules(session, list(manual), day)).items():
        out.judged(manual[issue_id], schedule)
