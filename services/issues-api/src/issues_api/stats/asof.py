"""The figures of `GET /stats/issues?as_of=D` from the runs of days kept with the writes
(`rectify_shared.stats_tally`: `stats_issue_day`, `stats_issue_span`), in place of a recount of
every problem's history (`router.recount`, the reference the property test compares with).

- by status, by 方面 heading, by lead org, the deadline figures (completed, on time against the
  original and the extended deadline, overdue against both, extended) and the schedule flags set by
  hand: range sums of `stats_issue_day` over the days up to D, grouped.
- the order of the headings (their least problem number counted on D): not a sum; per heading, the
  first problem by number whose run covers D (`ix_stats_issue_span_heading`: usually the first read).
- 达到序时进度 of the problems in progress with indicators: judged on D from their indicators
  (`rectify_shared.schedule.schedules_of`), as the recount does; only those problems are read
  (their runs that cover D), the rest keep their hand-set flag, summed above.
- problems the caller sees through a responsible org only (their lead org outside the subtree):
  their runs that cover D, counted one by one, as `tally.current` does today."""

from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, Date, Integer, String, and_, bindparam, func, or_, select, tuple_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.enums import IssueStatus
from rectify_shared.models import Indicator, IssueOrg, Org
from rectify_shared.models.stats import StatsIssueDay, StatsIssueSpan
from rectify_shared.schedule import schedules_of

from ..auth.principal import Scope
from .tally import FLAGS, STATUS_INDEX, STATUSES, Figures

Y, S = StatsIssueDay.__table__.c, StatsIssueSpan.__table__.c  # type: ignore[attr-defined]
IN_PROGRESS = IssueStatus.in_progress.value
DAY = bindparam("day", type_=Date)


def _params(scope: Scope, round_id: int | None, day: date) -> dict[str, Any]:
    return {"day": day, "round_id": round_id, **scope.bound_params()}


def _where(table: Any, exact: bool, by_round: bool) -> list[Any]:
    out = [Scope.bound_clause(table.org_path, exact)]
    if by_round:
        out.append(table.round_id == bindparam("round_id", type_=Integer))
    return out


def _covers() -> Any:
    """The problem's run that holds the day (a problem has at most one)."""
    return and_(S.from_day <= DAY, or_(S.until_day.is_(None), S.until_day > DAY))


def _top_level(scope: Scope) -> bool:
    """A top-level office holds every lead org of its problems: none seen through another org only."""
    return not scope.exact and scope.path.count("/") == 2


async def figures(session: AsyncSession, round_id: int | None, scope: Scope, day: date) -> Figures:
    """The caller's figures as they stood at the end of `day` (of one round, or all)."""
    out = Figures()
    params = _params(scope, round_id, day)
    shape = (scope.exact, round_id is not None)
    names: dict[int, tuple[str, str]] = {}
    if dialect_of(session).name == "postgresql":  # the three sums in one pass over the days, the leads' names
        rows = await fetch(session, _sums(*shape), params)
        groups = [(*r[1:9], r[11]) for r in rows if r[0] == 3]
        by_category = [(r[9], r[1], r[11]) for r in rows if r[0] == 1]
        by_org = [(r[10], r[1], r[11]) for r in rows if r[0] == 2]
        names = {r[10]: (r[12], r[13]) for r in rows if r[0] == 2 and r[12] is not None}
    else:
        where = [*_where(Y, *shape), Y.day <= DAY]
        total = func.sum(Y.n)
        keys = (Y.status, *[Y[f] for f in FLAGS], Y.overdue, Y.overdue_ext)
        groups = [tuple(r) for r in await fetch(session, select(*keys, total).where(*where).group_by(*keys), params)]
        cats = select(Y.category, Y.status, total).where(*where).group_by(Y.category, Y.status)
        by_category = [tuple(r) for r in await fetch(session, cats, params)]  # type: ignore[misc]
        orgs = select(Y.lead_org_id, Y.status, total).where(*where).group_by(Y.lead_org_id, Y.status)
        by_org = [tuple(r) for r in await fetch(session, orgs, params)]  # type: ignore[misc]
    outsiders = [] if _top_level(scope) else list(await fetch(session, _outsiders(*shape), params))
    groups += [(k.status, *(getattr(k, f) for f in FLAGS), k.overdue, k.overdue_ext, 1) for k in outsiders]
    by_category += [(k.category, k.status, 1) for k in outsiders]
    by_org += [(k.lead_org_id, k.status, 1) for k in outsiders]
    out.add_groups([(*g[:6], g[8]) for g in groups])
    for g in groups:
        out.deadlines.overdue += g[8] * g[6]
        out.deadlines.overdue_extended += g[8] * g[7]
    names.update(await _org_names(session, {r[0] for r in by_org if r[2] and r[0] not in names}))
    for o, status, n in by_org:  # each lead org's counts in the order of `STATUSES`, as today's
        if n and o in names:
            out.orgs.setdefault(o, (*names[o], [0] * len(STATUSES)))[2][STATUS_INDEX[status]] += n
    first = await _first_numbers(session, shape, params, {c for c, _, n in by_category if n})
    for k in outsiders:
        first[k.category] = min(first.get(k.category, k.seq), k.seq)
    # headings in the order of their first problem; a tie (all rounds: each round has a problem 1)
    # by the heading's own order
    by_category.sort(key=lambda r: (first.get(r[0], 0), r[0]))
    out.by_category = [(c, status, n, first[c]) for c, status, n in by_category if c in first]
    await _judge(session, out, shape, _top_level(scope), params)
    out.by_status = [r for r in out.by_status if r[2]]
    out.by_category = [r for r in out.by_category if r[2]]
    out.orgs = {o: v for o, v in out.orgs.items() if any(v[2])}
    out.finish()
    return out


@lru_cache
def _sums(exact: bool, by_round: bool) -> Any:
    """PostgreSQL: the range sums by (status, flags), (heading, status) and (lead org, status), with
    the lead orgs' names and paths."""
    flags = [Y[f] for f in FLAGS]
    total = func.sum(Y.n)
    sets = func.grouping_sets(
        tuple_(Y.status, *flags, Y.overdue, Y.overdue_ext), tuple_(Y.category, Y.status),
        tuple_(Y.lead_org_id, Y.status),
    )  # fmt: skip
    which = func.grouping(Y.category, Y.lead_org_id)  # 3: the flags' sums, 1: a heading's, 2: an org's
    sums = (
        select(which.label("which"), Y.status, *flags, Y.overdue, Y.overdue_ext, Y.category, Y.lead_org_id,
               total.label("n"))
        .where(*_where(Y, exact, by_round), Y.day <= DAY)
        .group_by(sets)
        .having(total != 0)
        .subquery("sums")
    )  # fmt: skip
    org = Org.__table__.c  # type: ignore[attr-defined]
    return select(sums, org.name, org.path).select_from(sums.outerjoin(Org, org.id == sums.c.lead_org_id))


@lru_cache
def _outsiders(exact: bool, by_round: bool) -> Any:
    """The runs covering the day of problems the caller sees through a responsible org only."""
    through = select(IssueOrg.issue_id).where(Scope.bound_clause(IssueOrg.org_path, exact))  # type: ignore[call-overload]
    where = [S.issue_id.in_(through), ~Scope.bound_clause(S.org_path, exact), _covers()]
    if by_round:
        where.append(S.round_id == bindparam("round_id", type_=Integer))
    return select(S).where(*where)


async def _org_names(session: AsyncSession, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    found = (
        await session.execute(select(col(Org.id), col(Org.name), col(Org.path)).where(col(Org.id).in_(sorted(ids))))
    ).all()
    return {r.id: (r.name, r.path) for r in found}


@lru_cache
def _firsts_pg(exact: bool, by_round: bool) -> Any:
    """PostgreSQL: each heading's first run covering the day, by number (`ix_stats_issue_span_heading`)."""
    cats = func.unnest(bindparam("cats", type_=ARRAY(String))).table_valued("category").render_derived(name="c")
    first = (
        select(S.seq)
        .where(*_where(S, exact, by_round), S.category == cats.c.category, _covers())
        .order_by(S.seq)
        .limit(1)
        .scalar_subquery()
    )
    return select(cats.c.category, first.label("seq"))


async def _first_numbers(
    session: AsyncSession, shape: tuple[bool, bool], params: dict[str, Any], categories: set[str]
) -> dict[str, int]:
    """Each heading's least problem number among the caller's problems counted on the day (led in
    the subtree)."""
    if not categories:
        return {}
    cats = sorted(categories)
    if dialect_of(session).name == "postgresql":
        rows = await fetch(session, _firsts_pg(*shape), {**params, "cats": cats})
        return {r.category: r.seq for r in rows if r.seq is not None}
    firsts = [
        select(S.seq)
        .where(*_where(S, *shape), S.category == c, _covers())
        .order_by(S.seq)
        .limit(1)
        .scalar_subquery()
        .label(f"c{i}")
        for i, c in enumerate(cats)
    ]
    row = (await fetch(session, select(*firsts), params))[0]
    return {c: seq for c, seq in zip(cats, row, strict=True) if seq is not None}


@lru_cache
def _judged(exact: bool, by_round: bool, top: bool) -> Any:
    """The runs covering the day, in progress, of the caller's problems that have indicators."""
    with_indicators = select(col(Indicator.issue_id)).where(col(Indicator.issue_id).is_not(None))
    seen = Scope.bound_clause(S.org_path, exact)
    if not top:  # or seen through a responsible org
        seen = or_(seen, S.issue_id.in_(select(IssueOrg.issue_id).where(Scope.bound_clause(IssueOrg.org_path, exact))))  # type: ignore[call-overload]
    where = [seen, S.issue_id.in_(with_indicators), S.status == IN_PROGRESS, _covers()]
    if by_round:
        where.append(S.round_id == bindparam("round_id", type_=Integer))
    return select(S.issue_id, S.on_schedule).where(*where)


def _flag(on_schedule: int) -> bool | None:
    return None if on_schedule == 2 else bool(on_schedule)


async def _judge(
    session: AsyncSession, out: Figures, shape: tuple[bool, bool], top: bool, params: dict[str, Any]
) -> None:
    """The problems in progress on the day that have indicators: judged on the day by them (their
    hand-set flag, counted in the sums, gives way), as the recount judges them."""
    by_hand = {r.issue_id: _flag(r.on_schedule) for r in await fetch(session, _judged(*shape, top), params)}
    if not by_hand:
        return
    s = out.schedule
    for issue_id, judged in (await schedules_of(session, by_hand, params["day"])).items():
        for flag, sign in ((by_hand[issue_id], -1), (judged, 1)):
            if flag is True:
                s.on_schedule += sign
            elif flag is False:
                s.behind += sign
            else:
                s.unknown += sign
