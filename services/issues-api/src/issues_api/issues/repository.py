"""Ledger queries. Lists select columns (not entities): it is the hot read path."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.types import NullType
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import VERSION_TOKEN
from rectify_shared.db_fast import core_execute, dialect_of, fetch
from rectify_shared.enums import IssueStatus
from rectify_shared.models import Indicator, Issue, IssueOrg, Measure, Org
from rectify_shared.tree import subtree_bounds

from ..auth.principal import Scope
from ..core.pagination import after_key
from . import kept_count
from .overdue import issue_late_bound

_FAR_FUTURE = date(9999, 12, 31)
_FAR_PAST = date(1, 1, 1)


def _sort_key(sort: str) -> tuple[Any, bool]:
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    if name == "seq":
        return col(Issue.seq), desc
    if name == "deadline":
        # undated issues sort last in both directions
        fill = _FAR_PAST if desc else _FAR_FUTURE
        return func.coalesce(Issue.deadline, literal(fill)), desc
    if name == "updated_at":
        return col(Issue.updated_at), desc
    return col(Issue.created_at), desc


def cursor_value(sort: str, row: Row[Any]) -> Any:
    name = sort.lstrip("-")
    value = getattr(row, name)
    if name == "deadline" and value is None:
        value = _FAR_PAST if sort.startswith("-") else _FAR_FUTURE
    return value.isoformat() if isinstance(value, date | datetime) else value


def parse_cursor_value(sort: str, value: Any) -> Any:
    name = sort.lstrip("-")
    if name == "deadline":
        return date.fromisoformat(value)
    if name in ("updated_at", "created_at"):
        return datetime.fromisoformat(value)
    return int(value)


@dataclass
class IssueFilter:
    round_id: int | None = None
    statuses: Sequence[IssueStatus] | None = None
    category: str | None = None
    org_path: str | None = None
    deadline_before: date | None = None
    q: str | None = None
    #: open and past its deadline on `as_of` (true), or not (false); `as_of` is required with it
    overdue: bool | None = None
    as_of: date | None = None


LIST_COLUMNS = (
    Issue.id,
    Issue.round_id,
    Issue.seq,
    Issue.category,
    Issue.description,
    Issue.status,
    Issue.on_schedule,
    Issue.long_term,
    Issue.deadline,
    Issue.original_deadline,
    Issue.deadline_rule,
    Issue.deadline_provisional,
    Issue.deadline_text,
    Issue.deadline_precision,
    Issue.lead_org_id,
    Issue.responsible_leader,
    Issue.created_at,
    Issue.updated_at,
    Issue.display_no,
)
LIST_NAMES = tuple(c.key for c in LIST_COLUMNS)
#: where a list or detail row holds its `links` (right after `LIST_COLUMNS` / `DETAIL_COLUMNS`)
LIST_LINKS = len(LIST_COLUMNS)
#: a list page's row, after its links: whether any indicator is tied to the problem (only those
#: have a schedule to judge: `views.page_schedules` reads none for a page without one), then the
#: work calendar's token (`calendar_store.VERSION_TOKEN`, for `load_base_calendar`: a page with an
#: overdue problem reads no statement for the calendar while it is cached)
LIST_INDICATED, LIST_CALENDAR_TOKEN = LIST_LINKS + 1, LIST_LINKS + 2
_INDICATED = exists().where(col(Indicator.issue_id) == Issue.id).label("indicated")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible(scope: Scope) -> ColumnElement[bool]:
    """An issue is visible to a caller whose scope holds its lead or a responsible org."""
    return exists().where(IssueOrg.issue_id == Issue.id, scope.clause(IssueOrg.org_path))


def _bound_subtree(column: Any, exact: bool, name: str) -> ColumnElement[bool]:
    """`Scope.clause` / `in_subtree` with bind parameters in place of the values (see `_bounds`)."""
    if exact:
        result: ColumnElement[bool] = column == bindparam(f"{name}_path")
        return result
    return and_(column >= bindparam(f"{name}_lo"), column < bindparam(f"{name}_hi"))


def visible_bound(exact: bool) -> ColumnElement[bool]:
    """`visible` with bind parameters (`scope_*`, from `_bounds`), for the statements built once."""
    return exists().where(IssueOrg.issue_id == Issue.id, _bound_subtree(IssueOrg.org_path, exact, "scope"))


def clear_statement_cache() -> None:
    """Forget the statements built once (a test that changes how they are built)."""
    _list_statement.cache_clear()
    _count_statement.cache_clear()
    kept_count.clear()
    _detail_statement.cache_clear()
    _get_statement.cache_clear()
    _measure_statement.cache_clear()


def _bounds(path: str, exact: bool, name: str) -> dict[str, str]:
    if exact:
        return {f"{name}_path": path}
    lo, hi = subtree_bounds(path)
    return {f"{name}_lo": lo, f"{name}_hi": hi}


def scope_params(scope: Scope) -> dict[str, str]:
    """The values of `visible_bound(scope.exact)`'s parameters."""
    return _bounds(scope.path, scope.exact, "scope")


def subtree_params(path: str, name: str) -> dict[str, str]:
    """The values of `bound_subtree(column, False, name)`'s parameters."""
    return _bounds(path, False, name)


bound_subtree = _bound_subtree


def one_of(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """`column IN (the list given as parameter `name`)`: on PostgreSQL one array parameter, so the
    statement compiles once (`db_fast.fetch`); elsewhere an expanding IN."""
    if dialect == "postgresql":
        result: ColumnElement[bool] = column == any_(bindparam(name, type_=ARRAY(String(30))))
        return result
    return column.in_(bindparam(name, expanding=True))


@dataclass(frozen=True, slots=True)
class ListShape:
    """Which filters a list request uses (not their values): one cached statement per shape."""

    exact: bool = False  # the scope is one org, not a subtree
    round: bool = False
    statuses: bool = False
    category: bool = False
    deadline_before: bool = False
    org: bool = False
    q: bool = False
    overdue: bool | None = None  # None: no overdue filter; True/False: late or not


@lru_cache(maxsize=512)
def _list_statement(dialect: str, shape: ListShape, sort: str, after: bool) -> Select[Any]:
    """The list query of one filter shape, with bind parameters for every value.

    Built once and reused: a new statement object per request costs SQLAlchemy its construction,
    its cache key and the adaptation of the cached compiled form's result columns — together
    about a third of a list request's CPU (profiled under wrk, bench/)."""
    key, desc = _sort_key(sort)
    token = VERSION_TOKEN.scalar_subquery().label("calendar_token")
    stmt = select(*LIST_COLUMNS, _links_column(dialect), _INDICATED, token).where(*_filter_clauses(dialect, shape))
    if after:
        stmt = stmt.where(after_key(key, Issue.id, bindparam("after_value"), bindparam("after_id"), desc))
    order = [key.desc(), Issue.id.desc()] if desc else [key.asc(), Issue.id.asc()]
    return stmt.order_by(*order).limit(bindparam("limit", type_=Integer))


def _filter_clauses(dialect: str, shape: ListShape) -> list[ColumnElement[bool]]:
    """The list's WHERE (scope and filters), shared by the page and its count."""
    clauses: list[ColumnElement[bool]] = [Issue.withdrawn_at.is_(None), visible_bound(shape.exact)]
    if shape.round:
        clauses.append(Issue.round_id == bindparam("round_id"))
    if shape.statuses:
        clauses.append(one_of(dialect, Issue.status, "statuses"))
    if shape.category:
        clauses.append(Issue.category == bindparam("category"))
    if shape.deadline_before:
        clauses.append(Issue.deadline < bindparam("deadline_before"))
    if shape.org:
        clauses.append(exists().where(IssueOrg.issue_id == Issue.id, _bound_subtree(IssueOrg.org_path, False, "org")))
    if shape.overdue is not None:
        clauses.append(issue_late_bound() if shape.overdue else ~issue_late_bound())
    if shape.q:
        pattern: Any = bindparam("pattern")
        clauses.append(
            Issue.description.like(pattern, escape="\\")
            | Issue.category.like(pattern, escape="\\")
            | func.coalesce(Issue.goal, "").like(pattern, escape="\\")
        )
    return clauses


def _links_column(dialect: str) -> ColumnElement[Any]:
    """A problem's org links in one column, [(role, org id, name, path), …] (unordered: see
    `links_of`), so a list page or a detail is one statement instead of rows and their links.

    PostgreSQL gives an array of row values, which asyncpg decodes itself (a JSON array would
    be parsed in Python, one `json.loads` a row); SQLite gives a JSON array."""
    if dialect == "postgresql":
        agg: Any = type_coerce(func.array_agg(tuple_(IssueOrg.role, Org.id, Org.name, Org.path)), NullType())
    else:
        entry = func.json_array(IssueOrg.role, Org.id, Org.name, Org.path)
        agg = type_coerce(func.json_group_array(func.json(entry)), JSON)
    return (
        select(agg)
        .join(Org, Org.id == IssueOrg.org_id)
        .where(IssueOrg.issue_id == Issue.id)
        .scalar_subquery()
        .label("links")
    )


def links_of(row: Row[Any], at: int = LIST_LINKS) -> list[tuple[str, int, str]]:
    """A list (or, `at=DETAIL_LINKS`, detail) row's org links as `orgs_of` gives them: by role,
    then org path."""
    raw = row[at]
    if isinstance(raw, str):  # already decoded by the JSON type; text only if a driver did not
        raw = json.loads(raw)
    return [(role, org_id, name) for role, org_id, name, _path in sorted(raw or [], key=lambda e: (e[0], e[3]))]


async def list_page(
    session: AsyncSession, f: IssueFilter, scope: Scope, sort: str, after: tuple[Any, int] | None, limit: int
) -> Sequence[Row[Any]]:
    """A page of `LIST_COLUMNS` rows plus `links` (read them with `links_of`), `indicated` and the
    calendar's token (`LIST_INDICATED`, `LIST_CALENDAR_TOKEN`)."""
    shape, params = _shape_and_params(f, scope)
    stmt = _list_statement(dialect_of(session).name, shape, sort, after is not None)
    params["limit"] = limit + 1
    if after is not None:
        params["after_value"], params["after_id"] = parse_cursor_value(sort, after[0]), after[1]
    return await fetch(session, stmt, params)


@lru_cache(maxsize=256)
def _count_statement(dialect: str, shape: ListShape) -> Select[Any]:
    """The list's count of one filter shape, built once (as `_list_statement`)."""
    return select(func.count().label("n")).select_from(Issue).where(*_filter_clauses(dialect, shape))


def _from_tally(shape: ListShape, scope: Scope) -> bool:
    """Whether the kept counts give this list's count cheaply: no filter but the round, and a
    top-level org's subtree (whose problems are all led from inside it: no outsider to look up; a
    lower subtree would look up most of the round's problems as outsiders)."""
    return shape == ListShape(round=shape.round) and not scope.exact and scope.path.count("/") == 2


async def count(session: AsyncSession, f: IssueFilter, scope: Scope) -> int:
    """How many problems the list would give over all its pages (same scope, same filters); a
    `ReadConnection` may stand in for the session (the fast path's `with_total`)."""
    shape, params = _shape_and_params(f, scope)
    if _from_tally(shape, scope):
        return await kept_count.count(session, f.round_id, params)
    rows = await fetch(session, _count_statement(dialect_of(session).name, shape), params)
    return int(rows[0][0])


async def count_by_join(session: AsyncSession, f: IssueFilter, scope: Scope) -> int:
    """`count` by the join over the problems themselves, whatever the shape (what the kept counts
    must equal: the tests)."""
    shape, params = _shape_and_params(f, scope)
    rows = await fetch(session, _count_statement(dialect_of(session).name, shape), params)
    return int(rows[0][0])


def _shape_and_params(f: IssueFilter, scope: Scope) -> tuple[ListShape, dict[str, Any]]:
    shape = ListShape(
        exact=scope.exact,
        round=f.round_id is not None,
        statuses=bool(f.statuses),
        category=f.category is not None,
        deadline_before=f.deadline_before is not None,
        org=f.org_path is not None,
        q=bool(f.q),
        overdue=None if f.overdue is None else bool(f.overdue),
    )
    params: dict[str, Any] = _bounds(scope.path, scope.exact, "scope")
    if f.round_id is not None:
        params["round_id"] = f.round_id
    if f.statuses:
        params["statuses"] = [IssueStatus(s).value for s in f.statuses]
    if f.category is not None:
        params["category"] = f.category
    if f.deadline_before is not None:
        params["deadline_before"] = f.deadline_before
    if f.org_path is not None:
        params |= _bounds(f.org_path, False, "org")
    if f.q:
        params["pattern"] = f"%{_escape_like(f.q)}%"
    if f.overdue is not None:
        if f.as_of is None:
            raise ValueError("IssueFilter: overdue needs as_of")
        params["overdue_as_of"] = f.as_of
    return shape, params


_ORGS_OF = (
    select(IssueOrg.issue_id, IssueOrg.role, Org.id, Org.name)
    .join(Org, Org.id == IssueOrg.org_id)
    .where(IssueOrg.issue_id.in_(bindparam("ids", expanding=True)))
    .order_by(IssueOrg.issue_id, IssueOrg.role, Org.path)
)


async def orgs_of(session: AsyncSession, issue_ids: Sequence[int]) -> dict[int, list[tuple[str, int, str]]]:
    """issue id -> [(role, org id, org name)] for a page of issues, in one query."""
    if not issue_ids:
        return {}
    rows = (await core_execute(session, _ORGS_OF, {"ids": list(issue_ids)})).all()
    out: dict[int, list[tuple[str, int, str]]] = {}
    for issue_id, role, org_id, name in rows:
        out.setdefault(issue_id, []).append((role, org_id, name))
    return out


#: the detail view's columns: a list row's and the rest of the problem
DETAIL_COLUMNS = (
    *LIST_COLUMNS,
    Issue.goal,
    Issue.attestation_cycle,
    Issue.illustrative,
    Issue.withdrawn_at,
    Issue.withdrawn_by,
    Issue.withdrawn_reason,
)
DETAIL_LINKS = len(DETAIL_COLUMNS)

MEASURE_COLUMNS = (
    Measure.id,
    Measure.issue_id,
    Measure.seq,
    Measure.position,
    Measure.text,
    Measure.responsible_org_id,
    Org.name.label("responsible_org_name"),
    Measure.deadline,
    Measure.original_deadline,
    Measure.deadline_rule,
    Measure.deadline_provisional,
    Measure.deadline_text,
    Measure.deadline_precision,
    Measure.status,
    Measure.waived_reason,
    Measure.withdrawn_at,
    Measure.withdrawn_by,
    Measure.withdrawn_reason,
    Measure.created_at,
    Measure.updated_at,
)
MEASURE_NAMES = tuple(c.key for c in MEASURE_COLUMNS)


@lru_cache(maxsize=4)
def _detail_statement(dialect: str, exact: bool) -> Select[Any]:
    visible_issue = (Issue.id == bindparam("issue_id"), visible_bound(exact))
    return select(*DETAIL_COLUMNS, _links_column(dialect)).where(*visible_issue)


async def get_row(session: AsyncSession, issue_id: int, scope: Scope) -> Row[Any] | None:
    """One visible problem as a row of `DETAIL_COLUMNS` plus `links` (read them with `links_of`):
    the read path, no entity, no identity map."""
    params = {"issue_id": issue_id, **_bounds(scope.path, scope.exact, "scope")}
    rows = await fetch(session, _detail_statement(dialect_of(session).name, scope.exact), params)
    return rows[0] if rows else None


_LIVE_MEASURES = (
    select(*MEASURE_COLUMNS)
    .outerjoin(Org, Org.id == Measure.responsible_org_id)
    .where(Measure.issue_id == bindparam("issue_id"), Measure.withdrawn_at.is_(None))
    .order_by(Measure.position)
)


async def live_measure_rows(session: AsyncSession, issue_id: int) -> Sequence[Row[Any]]:
    """The live (not withdrawn) measures of a problem in order, with their responsible org's name."""
    return await fetch(session, _LIVE_MEASURES, {"issue_id": issue_id})


@lru_cache(maxsize=4)
def _get_statement(exact: bool, for_update: bool) -> Select[Any]:
    stmt = select(Issue).where(Issue.id == bindparam("issue_id"), visible_bound(exact))
    return stmt.with_for_update(of=Issue) if for_update else stmt


async def get(session: AsyncSession, issue_id: int, scope: Scope, *, for_update: bool = False) -> Issue | None:
    """One visible problem as an entity (the write paths; built once, like the read path's)."""
    params = {"issue_id": issue_id, **_bounds(scope.path, scope.exact, "scope")}
    return (await session.execute(_get_statement(scope.exact, for_update), params)).scalar_one_or_none()


async def measures_of(session: AsyncSession, issue_id: int) -> Sequence[Measure]:
    stmt = select(Measure).where(Measure.issue_id == issue_id).order_by(Measure.position)
    return (await session.execute(stmt)).scalars().all()


async def get_measure(
    session: AsyncSession, measure_id: int, scope: Scope, *, for_update: bool = False
) -> Measure | None:
    """A measure is visible when its issue is."""
    params = {"measure_id": measure_id, **_bounds(scope.path, scope.exact, "scope")}
    return (await session.execute(_measure_statement(scope.exact, for_update), params)).scalar_one_or_none()


@lru_cache(maxsize=4)
def _measure_statement(exact: bool, for_update: bool) -> Select[Any]:
    stmt = (
        select(Measure)
        .join(Issue, Issue.id == Measure.issue_id)
        .where(Measure.id == bindparam("measure_id"), visible_bound(exact))
    )
    return stmt.with_for_update(of=Measure) if for_update else stmt


async def next_seq(session: AsyncSession, round_id: int) -> int:
    top = await session.execute(select(func.max(Issue.seq)).where(Issue.round_id == round_id))
    return int(top.scalar_one() or 0) + 1


async def seq_taken(session: AsyncSession, round_id: int, seq: int) -> bool:
    stmt = select(Issue.id).where(and_(Issue.round_id == round_id, Issue.seq == seq))
    return (await session.execute(stmt)).first() is not None


async def next_measure_numbers(session: AsyncSession, issue_id: int) -> tuple[int, int]:
    """(next position, next seq) within an issue."""
    row = (
        await session.execute(
            select(func.max(Measure.position), func.max(Measure.seq)).where(Measure.issue_id == issue_id)
        )
    ).one()
    return int(row[0] or 0) + 1, int(row[1] or 0) + 1
