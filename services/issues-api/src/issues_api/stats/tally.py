"""Today's figures of `GET /stats/issues` from the counts kept with the writes
(`rectify_shared.stats_tally`): a handful of sums over a few thousand group rows, whatever the
ledger's size, in place of a recount of every problem and its history.

Scope: a problem counts for a caller whose subtree holds its lead org (the groups' `org_path`), or,
below a top-level org, any of its orgs (`issue_org`): those led from outside the subtree are added
from their own `stats_issue_key` rows. A top-level office holds every lead org of its problems.

The statements are built once (per dialect and shape) and run through `db_fast.fetch`, so a
`ReadConnection` may stand in for the session: the groups, the heading sums and each lead org's
counts by status with its name come back from one statement (`_groups`), the overdue sums from
another. `read` gives those rows (`Source`); `figures` turns them into `Figures`: a caller that
keeps the last answer for the same rows need not build it again (`router`).

Two change tokens, read first in one statement (`_tokens`), say when rows need reading again:
`stats_tally_version` (the groups, the deadline days, each problem's key, the org names) and
`stats_issue_inputs_version` (responsible orgs, indicators and their values: triggers). While both
are the ones the last rows were read with, on the same day, those rows are the answer's still: one
statement. The tokens are read before the rows, never after: rows read after a write that renewed
a token are newer than the token kept with them, and the next request, seeing the new token,
reads them again (a row older than its token cannot be kept)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    Integer,
    any_,
    bindparam,
    case,
    func,
    literal,
    null,
    select,
    tuple_,
    union_all,
)
from sqlmodel import col

from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.enums import IssueStatus
from rectify_shared.indicator_rows import derived_issue_schedules
from rectify_shared.indicators import Schedule
from rectify_shared.models import Indicator, IssueOrg, Org
from rectify_shared.models.stats import (
    StatsIssueDue,
    StatsIssueInputsVersion,
    StatsIssueKey,
    StatsIssueTally,
    StatsTallyVersion,
)
from rectify_shared.stats_tally import DONE

from ..auth.principal import Scope
from .schemas import DeadlineStats, ScheduleCounts

T, K, D = StatsIssueTally.__table__.c, StatsIssueKey.__table__.c, StatsIssueDue.__table__.c  # type: ignore[attr-defined]
V = StatsTallyVersion.__table__.c  # type: ignore[attr-defined]
INPUTS = StatsIssueInputsVersion.__table__.c  # type: ignore[attr-defined]
FLAGS = ("on_schedule", "has_deadline", "on_time", "on_time_ext", "extended")
#: the order of a lead org's counts by status (`Source.groups`' per-status sums, `Figures.orgs`)
STATUSES = tuple(IssueStatus)
#: `Source.groups`' kinds of row: a group of the five flags' sums, a heading's, a lead org's
FLAG_ROW, HEADING_ROW, ORG_ROW = 6, 2, 5


def _top_level(scope: Scope) -> bool:
    return not scope.exact and scope.path.count("/") == 2


def _scope_params(scope: Scope, round_id: int | None) -> dict[str, Any]:
    return {"round_id": round_id, **scope.bound_params()}


def _where(table: Any, by_round: bool, exact: bool) -> list[Any]:
    out = [Scope.bound_clause(table.org_path, exact)]
    if by_round:
        out.append(table.round_id == bindparam("round_id", type_=Integer))
    return out


def _among(column: Any, dialect: str) -> Any:
    """`column IN :ids`: an array parameter on PostgreSQL (an expanding IN cannot be built once)."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=ARRAY(Integer)))
    return column.in_(bindparam("ids", expanding=True))


@lru_cache(maxsize=16)
def _groups(dialect: str, by_round: bool, exact: bool) -> Any:
    """Rows (which, status, the five flags, category, lead_org_id, n, min_seq, n per `STATUSES`,
    org_name, org_path): the flags' sums by status (`FLAG_ROW`), the headings' by status
    (`HEADING_ROW`) and each lead org's counts by status with its name and path (`ORG_ROW`)."""
    where = [*_where(T, by_round, exact), T.n != 0]
    flags = [T[f] for f in FLAGS]
    n, least = func.sum(T.n), func.min(T.min_seq)
    per_status = [func.sum(case((T.status == literal(s.value), T.n), else_=0)) for s in STATUSES]
    if dialect == "postgresql":  # the three sums in one pass over the groups
        sets = func.grouping_sets(tuple_(T.status, *flags), tuple_(T.category, T.status), tuple_(T.lead_org_id))
        which = func.grouping(T.category, T.lead_org_id, T.status)  # FLAG_ROW, HEADING_ROW, ORG_ROW
        columns = [which, T.status, *flags, T.category, T.lead_org_id, n, least, *per_status]
        sub = select(*_named(columns)).where(*where).group_by(sets).subquery("groups")
    else:
        none = [null()] * len(FLAGS)
        nothing = [literal(0)] * len(STATUSES)
        sub = union_all(
            select(*_named([literal(FLAG_ROW), T.status, *flags, null(), null(), n, null(), *nothing]))
            .where(*where).group_by(T.status, *flags),
            select(*_named([literal(HEADING_ROW), T.status, *none, T.category, null(), n, least, *nothing]))
            .where(*where).group_by(T.category, T.status),
            select(*_named([literal(ORG_ROW), null(), *none, null(), T.lead_org_id, n, null(), *per_status]))
            .where(*where).group_by(T.lead_org_id),
        ).subquery("groups")  # fmt: skip
    named = select(sub, col(Org.name).label("org_name"), col(Org.path).label("org_path"))
    # in a fixed order: equal groups, equal rows (`Source` is compared as a whole)
    return named.outerjoin(Org, col(Org.id) == sub.c.lead_org_id).order_by(*(sub.c[c] for c in GROUP_COLUMNS[:9]))


#: the columns of `_groups`' rows, before the org's name and path
GROUP_COLUMNS = ("which", "status", *FLAGS, "category", "lead_org_id", "n", "min_seq",
                 *(f"n_{s.value}" for s in STATUSES))  # fmt: skip


def _named(columns: list[Any]) -> list[Any]:
    return [c.label(name) for c, name in zip(columns, GROUP_COLUMNS, strict=True)]


@lru_cache(maxsize=16)
def _due(by_round: bool, exact: bool) -> Any:
    """The open problems past each deadline (kind 0: the original, 1: the one in force) on `:day`."""
    where = [*_where(D, by_round, exact), D.day < bindparam("day", type_=Date())]
    return select(D.kind, func.sum(D.n).label("n")).where(*where).group_by(D.kind).order_by(D.kind)


def _token(columns: Any, by_round: bool) -> Any:
    """A change token (`StatsTallyVersion`, `StatsIssueInputsVersion`): the round's, or the sum of all rounds'."""
    stmt = select(func.sum(columns.token))
    if by_round:
        stmt = stmt.where(columns.round_id == bindparam("round_id", type_=Integer))
    return stmt.scalar_subquery()


@lru_cache(maxsize=4)
def _tokens(by_round: bool) -> Any:
    """Both change tokens, in one statement (one snapshot): the groups' and the other inputs'."""
    return select(_token(V, by_round).label("groups"), _token(INPUTS, by_round).label("inputs"))


@lru_cache(maxsize=16)
def _outsiders_statement(by_round: bool, exact: bool) -> Any:
    """The `stats_issue_key` rows of problems the caller sees through a responsible org only."""
    through = select(col(IssueOrg.issue_id)).where(Scope.bound_clause(col(IssueOrg.org_path), exact))
    stmt = select(K).where(K.issue_id.in_(through), ~Scope.bound_clause(K.org_path, exact))
    if by_round:
        stmt = stmt.where(K.round_id == bindparam("round_id", type_=Integer))
    return stmt.order_by(K.issue_id)


@lru_cache(maxsize=16)
def _judged_statement(by_round: bool, exact: bool) -> Any:
    """The caller's problems in progress that have indicators, with their flags set by hand."""
    has = select(literal(1)).where(col(Indicator.issue_id) == K.issue_id).exists()
    where = [*_where(K, by_round, exact), K.status == literal(IssueStatus.in_progress.value), has]
    return select(K.issue_id, K.on_schedule).where(*where).order_by(K.issue_id)


@lru_cache(maxsize=4)
def _names_statement(dialect: str) -> Any:
    return select(col(Org.id), col(Org.name), col(Org.path)).where(_among(col(Org.id), dialect))


@dataclass(frozen=True)
class Source:
    """Everything today's figures are made of: equal sources, equal figures."""

    #: `_groups`' rows
    groups: Sequence[Any]
    #: the open problems past their original deadline and past the one in force
    due: tuple[int, int]
    outsiders: Sequence[Any]
    #: the lead orgs of the outsiders: id -> (name, path)
    names: dict[int, tuple[str, str]]
    #: the problems in progress judged by their indicators: id -> (the flag by hand, the judgement)
    judged: dict[int, tuple[int, Schedule]]
    #: the day the due sums and the judgements are of
    day: date | None = None
    #: the change tokens (groups, inputs: `_tokens`) read before the rows; None: not read
    tokens: tuple[int | None, int | None] | None = None

    def same(self, other: "Source") -> bool:
        """Whether the figures of both are the same (row by row)."""
        return (list(self.groups), self.due, list(self.outsiders), self.names, self.judged) == (
            list(other.groups), other.due, list(other.outsiders), other.names, other.judged
        )  # fmt: skip


def _int(token: Any) -> int | None:
    return None if token is None else int(token)


async def read_tokens(reads: Any, round_id: int | None) -> tuple[int | None, int | None]:
    """Both change tokens of a round's figures (or all rounds'), in one statement (`_tokens`): the
    groups' and the problems' runs of days (`stats_tally_version`), and the other inputs'."""
    (row,) = await fetch(reads, _tokens(round_id is not None), {"round_id": round_id})
    return (_int(row.groups), _int(row.inputs))


async def read(reads: Any, round_id: int | None, scope: Scope, day: date, last: Source | None = None) -> Source:
    """The rows of today's figures for the caller's problems (of one round, or all); `reads`: a
    session or a `db_fast.ReadConnection`. The change tokens first (`_tokens`): `last` itself
    when both are the ones `last` was read with on `day` (nothing else read); `last`'s groups and
    due sums when the groups' token is; everything read again otherwise."""
    dialect = dialect_of(reads).name
    by_round, exact = round_id is not None, scope.exact
    params = _scope_params(scope, round_id)
    tokens = await read_tokens(reads, round_id)
    kept = last.tokens if last is not None and last.day == day else None
    if last is not None and kept == tokens:
        return last
    if last is not None and kept is not None and kept[0] == tokens[0]:  # the groups and the deadline days as they were
        groups, due = last.groups, last.due
    else:
        groups = await fetch(reads, _groups(dialect, by_round, exact), params)
        sums = {kind: n for kind, n in await fetch(reads, _due(by_round, exact), {**params, "day": day})}
        due = (int(sums.get(0) or 0), int(sums.get(1) or 0))
    outsiders: Sequence[Any] = []
    names: dict[int, tuple[str, str]] = {}
    if not _top_level(scope):
        outsiders = await fetch(reads, _outsiders_statement(by_round, exact), params)
        if outsiders:
            ids = sorted({k.lead_org_id for k in outsiders})
            found = await fetch(reads, _names_statement(dialect), {"ids": ids})
            names = {r.id: (r.name, r.path) for r in found}
    manual = {r.issue_id: r.on_schedule for r in await fetch(reads, _judged_statement(by_round, exact), params)}
    manual.update({k.issue_id: k.on_schedule for k in outsiders if k.status == IssueStatus.in_progress.value})
    judged: dict[int, tuple[int, Schedule]] = {}
    if manual:
        derived = await derived_issue_schedules(reads, sorted(manual), day)
        judged = {i: (manual[i], s) for i, s in sorted(derived.items())}
    return Source(groups, due, outsiders, names, judged, day, tokens)


class Figures:
    """The sums the router turns into `IssueStats`: by status and by heading in the shapes
    `repository.counts` gives, by lead org as counts per `STATUSES` (`orgs`)."""

    def __init__(self) -> None:
        self.by_status: list[tuple[str, Any, int]] = []
        self.by_category: list[tuple[str, str, int, int]] = []
        #: lead org id -> (name, path, its counts in the order of `STATUSES`)
        self.orgs: dict[int, tuple[str, str, list[int]]] = {}
        self.deadlines = DeadlineStats()
        self.schedule = ScheduleCounts(on_schedule=0, behind=0, unknown=0)

    @property
    def by_org(self) -> list[tuple[int, str, str, str, int]]:
        """`orgs` in the shape `repository.counts` gives: (org id, name, path, status, n)."""
        return [
            (o, name, path, s.value, n)
            for o, (name, path, counts) in self.orgs.items()
            for s, n in zip(STATUSES, counts, strict=True)
            if n
        ]

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


STATUS_INDEX = {s.value: i for i, s in enumerate(STATUSES)}


def figures(source: Source, day: date) -> Figures:
    """Today's figures from their rows (`read`)."""
    out = Figures()
    flag_rows = []
    for r in source.groups:
        if r[0] == FLAG_ROW:
            flag_rows.append((*r[1:7], r[9]))
        elif r[0] == HEADING_ROW:
            out.by_category.append((r[7], r[1], r[9], r[10]))
        elif r[0] == ORG_ROW and r[16] is not None:  # (an org since deleted: as the join always did)
            out.orgs[r[8]] = (r[16], r[17], [int(x) for x in r[11:16]])
    out.add_groups(flag_rows)
    out.deadlines.overdue += source.due[0]
    out.deadlines.overdue_extended += source.due[1]
    keys = source.outsiders
    if keys:
        out.add_groups([(k.status, *(getattr(k, f) for f in FLAGS), 1) for k in keys])
        out.add_overdue(day, keys)
        out.by_category += [(k.category, k.status, 1, k.seq) for k in keys]
        for k in keys:
            name, path = source.names.get(k.lead_org_id, ("", ""))
            entry = out.orgs.setdefault(k.lead_org_id, (name, path, [0] * len(STATUSES)))
            entry[2][STATUS_INDEX[k.status]] += 1
    for manual, schedule in source.judged.values():
        out.judged(manual, schedule)
    out.by_status = [r for r in out.by_status if r[2]]
    out.by_category = [r for r in out.by_category if r[2]]
    out.orgs = {o: v for o, v in out.orgs.items() if any(v[2])}
    out.finish()
    return out


async def current(reads: Any, round_id: int | None, scope: Scope, day: date) -> Figures:
    """Today's figures for the caller's problems (of one round, or all)."""
    return figures(await read(reads, round_id, scope, day), day)
