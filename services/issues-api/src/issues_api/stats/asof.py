"""The figures of `GET /stats/issues?as_of=D` from the runs of days kept with the writes
(`rectify_shared.stats_tally`: `stats_issue_span`), in place of a recount of every problem's history
(`router.recount`, the reference the property test compares with).

A problem counted on D has exactly one run holding D (from_day <= D, until_day after D or none), with
its figures on D: the caller's runs holding D (led in the scope, or, below the top level, seen through
a responsible org in it), counted in one pass (`ix_stats_issue_span_until`: the runs still open after
D), give
- by status, by 方面 heading (with its least problem number: the headings' order), by lead org, the
  deadline figures (completed, on time against the original and the extended deadline, overdue
  against both, extended) and the schedule flags set by hand;
- 达到序时进度 of the problems in progress with indicators: judged on D from their indicators
  (`rectify_shared.schedule.schedules_of`), as the recount does; only those problems are read
  (their runs that hold D), the rest keep their hand-set flag, counted above.

Counting the runs that hold D reads about one row a problem; the range sum of `stats_issue_day` over
the days up to D, which it replaced, read every day's change up to D (24,000 rows for a round of
6,700 problems at bench scale 1, growing with every day of history)."""

from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, and_, bindparam, func, or_, select, tuple_
from sqlmodel import col

from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.enums import IssueStatus
from rectify_shared.models import Indicator, IssueOrg, Org
from rectify_shared.models.stats import StatsIssueSpan
from rectify_shared.schedule import schedules_of

from ..auth.principal import Scope
from .tally import FLAGS, STATUSES, Figures, _names_statement

S = StatsIssueSpan.__table__.c  # type: ignore[attr-defined]
IN_PROGRESS = IssueStatus.in_progress.value
DAY = bindparam("day", type_=Date)


def _params(scope: Scope, round_id: int | None, day: date) -> dict[str, Any]:
    return {"day": day, "round_id": round_id, **scope.bound_params()}


def _covers() -> Any:
    """The problem's run that holds the day (a problem has at most one)."""
    return and_(S.from_day <= DAY, or_(S.until_day.is_(None), S.until_day > DAY))


def _top_level(scope: Scope) -> bool:
    """A top-level office holds every lead org of its problems: none seen through another org only."""
    return not scope.exact and scope.path.count("/") == 2


async def figures(session: Any, round_id: int | None, scope: Scope, day: date) -> Figures:
    """The caller's figures as they stood at the end of `day` (of one round, or all)."""
    out = Figures()
    params = _params(scope, round_id, day)
    shape = (scope.exact, round_id is not None, _top_level(scope))
    names: dict[int, tuple[str, str]] = {}
    if dialect_of(session).name == "postgresql":  # the three counts in one pass over the runs, the leads' names
        rows = await fetch(session, _counts(*shape), params)
        groups = [r[1:10] for r in rows if r[0] == 3]
        by_category = [(r[10], r[1], r[9], r[12]) for r in rows if r[0] == 1]
        by_org = [(r[11], list(r[13 : 13 + len(STATUSES)])) for r in rows if r[0] == 2]
        names = {r[11]: (r[-2], r[-1]) for r in rows if r[0] == 2 and r[-2] is not None}
    else:
        where = _counted(*shape)
        n = func.count()
        keys = (S.status, *[S[f] for f in FLAGS], S.overdue, S.overdue_ext)
        groups = [tuple(r) for r in await fetch(session, select(*keys, n).where(*where).group_by(*keys), params)]
        cats = select(S.category, S.status, n, func.min(S.seq)).where(*where).group_by(S.category, S.status)
        by_category = [tuple(r) for r in await fetch(session, cats, params)]  # type: ignore[misc]
        orgs = select(S.lead_org_id, *_by_status()).where(*where).group_by(S.lead_org_id)
        by_org = [(r[0], list(r[1:])) for r in await fetch(session, orgs, params)]
    out.add_groups([(*g[:6], g[8]) for g in groups])
    d = out.deadlines
    for g in groups:
        d.overdue += g[8] * g[6]
        d.overdue_extended += g[8] * g[7]
    names.update(await _org_names(session, {r[0] for r in by_org if r[0] not in names}))
    out.orgs = {o: (*names[o], counts) for o, counts in by_org if o in names}  # counts in the order of `STATUSES`
    first: dict[str, int] = {}
    for c, _status, _n, seq in by_category:  # a heading's first problem: the least number counted on the day
        first[c] = min(first.get(c, seq), seq)
    # headings in the order of their first problem; a tie (all rounds: each round has a problem 1)
    # by the heading's own order
    out.by_category = sorted(
        ((c, status, n, first[c]) for c, status, n, _seq in by_category), key=lambda r: (r[3], r[0])
    )
    await _judge(session, out, shape, params)
    out.finish()
    return out


def _counted(exact: bool, by_round: bool, top: bool) -> list[Any]:
    """The caller's runs that hold the day: of problems led in the scope, or (below the top level)
    seen through a responsible org in it."""
    seen = Scope.bound_clause(S.org_path, exact)
    if not top:
        through = select(IssueOrg.issue_id).where(Scope.bound_clause(IssueOrg.org_path, exact))  # type: ignore[call-overload]
        seen = or_(seen, S.issue_id.in_(through))
    where = [seen, _covers()]
    if by_round:
        where.append(S.round_id == bindparam("round_id", type_=Integer))
    return where


@lru_cache
def _counts(exact: bool, by_round: bool, top: bool) -> Any:
    """PostgreSQL: the runs holding the day counted by (status, flags), (heading, status: with its
    least problem number) and lead org (a count per status, in the order of `STATUSES`), with the
    lead orgs' names and paths."""
    flags = [S[f] for f in FLAGS]
    n = func.count()
    sets = func.grouping_sets(
        tuple_(S.status, *flags, S.overdue, S.overdue_ext), tuple_(S.category, S.status),
        tuple_(S.lead_org_id),
    )  # fmt: skip
    which = func.grouping(S.category, S.lead_org_id)  # 3: the flags' counts, 1: a heading's, 2: an org's
    counts = (
        select(which.label("which"), S.status, *flags, S.overdue, S.overdue_ext, n.label("n"), S.category,
               S.lead_org_id, func.min(S.seq).label("first"), *_by_status())
        .where(*_counted(exact, by_round, top))
        .group_by(sets)
        .subquery("counts")
    )  # fmt: skip
    org = Org.__table__.c  # type: ignore[attr-defined]
    return select(counts, org.name, org.path).select_from(counts.outerjoin(Org, org.id == counts.c.lead_org_id))


def _by_status() -> list[Any]:
    """A lead org's runs counted per status, in the order of `STATUSES` (one row an org)."""
    return [func.count().filter(S.status == s.value).label(f"n_{s.value}") for s in STATUSES]


async def _org_names(reads: Any, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Lead orgs' names and paths (`fetch`: a `ReadConnection` may stand in for the session)."""
    if not ids:
        return {}
    found = await fetch(reads, _names_statement(dialect_of(reads).name), {"ids": sorted(ids)})
    return {r.id: (r.name, r.path) for r in found}


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


async def _judge(session: Any, out: Figures, shape: tuple[bool, bool, bool], params: dict[str, Any]) -> None:
    """The problems in progress on the day that have indicators: judged on the day by them (their
    hand-set flag, counted in the sums, gives way), as the recount judges them."""
    by_hand = {r.issue_id: _flag(r.on_schedule) for r in await fetch(session, _judged(*shape), params)}
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
