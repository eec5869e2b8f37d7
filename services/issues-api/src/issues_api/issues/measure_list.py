"""The measure list (`GET /measures`): the ledger's measures across problems, filtered like the
problem list plus the deadline filters a screen needs (overdue on a day, due before a day), each
with its working days overdue."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import ColumnElement, Integer, and_, bindparam, exists, func, literal, literal_column, select, union_all
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import VERSION_TOKEN, load_base_calendar
from rectify_shared.db_fast import ReadConnection, dialect_of, fetch
from rectify_shared.enums import MEASURE_DONE, MeasureStatus
from rectify_shared.models import Issue, IssueOrg, Measure, Org
from rectify_shared.models.issue import MEASURE_DUE
from rectify_shared.workcalendar import WorkCalendar

from ..auth.principal import Scope
from ..core.error_catalogue import INVALID_CURSOR
from ..core.pagination import after_key, decode_cursor
from . import repository
from .overdue import DeadlineMarks
from .schemas import MeasureListItem
from .views import measure_row_fields, written_rule

#: what the statements run on: a request's session, or the fast path's `ReadConnection`
Reads = AsyncSession | ReadConnection
_FAR_FUTURE = date(9999, 12, 31)
_DONE = tuple(sorted(s.value for s in MEASURE_DONE))
#: what a measure is judged against: its own deadline, else its problem's
DUE = func.coalesce(Measure.deadline, Issue.deadline)
_DUE_KEY = func.coalesce(Measure.deadline, Issue.deadline, literal(_FAR_FUTURE))


@dataclass
class MeasureFilter:
    round_id: int | None = None
    issue_id: int | None = None
    statuses: Sequence[MeasureStatus] | None = None
    category: str | None = None
    #: the problem's lead or responsible org, this org or under it
    org_path: str | None = None
    #: the measure's responsible org: (path, exact) — exact for "this org only"
    responsible: tuple[str, bool] | None = None
    due_before: date | None = None
    overdue: bool | None = None
    as_of: date | None = None


def overdue_clause(as_of: Any, due: Any = DUE) -> ColumnElement[bool]:
    """Open measures due before `as_of` (a value or a bind parameter); never NULL, so its negation
    is every other measure (undated ones included). No IN list: `db_fast.fetch` compiles it once;
    the closed statuses as literals, as `ix_measure_open_due`'s WHERE writes them (with parameters
    neither database could tell that the query's WHERE implies the index's).
    `due`: what the measure is due on, where a statement knows it more simply than `DUE`."""
    return and_(*(Measure.status != literal_column(f"'{s}'") for s in _DONE), due.is_not(None), due < as_of)


@dataclass(frozen=True, slots=True)
class MeasureShape:
    """Which filters a list request uses (not their values): one statement built per shape."""

    exact: bool = False  # the caller's scope is one org, not a subtree
    round: bool = False
    issue: bool = False
    statuses: bool = False
    category: bool = False
    org: bool = False
    responsible: bool | None = None  # None: no filter; True: this org only; False: its subtree
    due_before: bool = False
    overdue: bool | None = None  # None: no overdue filter; True/False: late or not


def _shape_and_params(f: MeasureFilter, scope: Scope) -> tuple[MeasureShape, dict[str, Any]]:
    params: dict[str, Any] = repository.scope_params(scope)
    if f.round_id is not None:
        params["round_id"] = f.round_id
    if f.issue_id is not None:
        params["issue_id"] = f.issue_id
    if f.statuses:
        params["statuses"] = [MeasureStatus(s).value for s in f.statuses]
    if f.category is not None:
        params["category"] = f.category
    if f.org_path is not None:
        params |= repository.subtree_params(f.org_path, "org")
    if f.responsible is not None:
        path, exact = f.responsible
        params |= {"resp_path": path} if exact else repository.subtree_params(path, "resp")
    if f.due_before is not None:
        params["due_before"] = f.due_before
    overdue = None
    if f.overdue is not None and f.as_of is not None:
        overdue = bool(f.overdue)
        params["overdue_as_of"] = f.as_of
    shape = MeasureShape(
        exact=scope.exact,
        round=f.round_id is not None,
        issue=f.issue_id is not None,
        statuses=bool(f.statuses),
        category=f.category is not None,
        org=f.org_path is not None,
        responsible=None if f.responsible is None else f.responsible[1],
        due_before=f.due_before is not None,
        overdue=overdue,
    )
    return shape, params


def _clauses(dialect: str, shape: MeasureShape, due: Any = DUE) -> list[ColumnElement[bool]]:
    """The list's WHERE (scope and filters) with bind parameters, shared by a page and its count
    (`due`: as in `overdue_clause`)."""
    where: list[ColumnElement[bool]] = [
        Measure.withdrawn_at.is_(None),
        Issue.withdrawn_at.is_(None),
        repository.visible_bound(shape.exact),
    ]
    if shape.round:
        where.append(Issue.round_id == bindparam("round_id"))
    if shape.issue:
        where.append(Measure.issue_id == bindparam("issue_id"))
    if shape.statuses:
        where.append(repository.one_of(dialect, Measure.status, "statuses"))
    if shape.category:
        where.append(Issue.category == bindparam("category"))
    if shape.org:
        subtree = repository.bound_subtree(IssueOrg.org_path, False, "org")
        where.append(exists().where(IssueOrg.issue_id == Issue.id, subtree))
    if shape.responsible is not None:
        if shape.responsible:
            where.append(Measure.org_path == bindparam("resp_path"))
        else:
            where.append(repository.bound_subtree(Measure.org_path, False, "resp"))
        where.append(Measure.responsible_org_id.is_not(None))
    if shape.due_before:
        where.append(due < bindparam("due_before"))
    if shape.overdue is not None:
        late = overdue_clause(bindparam("overdue_as_of"), due)
        where.append(late if shape.overdue else ~late)
    return where


def _select(*extra: Any, due: Any = DUE) -> Any:
    return (
        select(
            *repository.MEASURE_COLUMNS,
            Issue.round_id,
            Issue.seq.label("issue_seq"),
            Issue.category,
            due.label("due"),
            *extra,
        )
        .join(Issue, Issue.id == Measure.issue_id)
        .outerjoin(Org, Org.id == Measure.responsible_org_id)
    )


#: a measure's due day in three parts that each have an order of their own: (the part's due key,
#: what the part's measures are due on, which measures it holds)
_PARTS = (
    (Measure.deadline, Measure.deadline, (Measure.deadline.is_not(None),)),
    (Issue.deadline, Issue.deadline, (Measure.deadline.is_(None), Issue.deadline.is_not(None))),
    (literal(_FAR_FUTURE), DUE, (Measure.deadline.is_(None), Issue.deadline.is_(None))),
)


def _limit() -> Any:
    return bindparam("limit", type_=Integer)


def _overdue_in_due_order(dialect: str, shape: MeasureShape, after: bool, *extra: Any) -> Any:
    """`_in_due_order` of the overdue measures (`overdue=true`): by the stored due day
    (`MEASURE_DUE`, equal to `DUE`), whose open measures `ix_measure_open_due` holds in that order,
    so a page is the first rows of one index range (every overdue measure has a due day: no
    undated part). PostgreSQL walked three ordered parts and merged them: 10 ms and ~1,100 buffers
    for the office's first page at scale 1, and 1.9 ms to plan it at every request (EXPLAIN
    ANALYZE, issue 22); one range, ~150 index rows for 50 of a round's."""
    stmt = _select(*extra, due=MEASURE_DUE).where(*_clauses(dialect, shape, MEASURE_DUE))
    if after:
        stmt = stmt.where(after_key(MEASURE_DUE, Measure.id, bindparam("after_due"), bindparam("after_id"), desc=False))
    return stmt.order_by(MEASURE_DUE, Measure.id).limit(_limit())


def _in_due_order(dialect: str, shape: MeasureShape, after: bool, *extra: Any) -> Any:
    """Due first (undated last), then id, `limit` rows; on PostgreSQL built as the first rows of
    each `_PARTS` part, merged (the overdue ones: `_overdue_in_due_order`).

    One ORDER BY over `coalesce(measure.deadline, issue.deadline)` cannot walk an index (it spans
    two tables): PostgreSQL read and sorted every matching measure for a page (190 ms for the
    office's overdue measures at scale 1, EXPLAIN ANALYZE). Each part orders by one column (a
    measure's own deadline, its problem's, or none), which an index walks, stopping after `limit`
    rows; the first `limit` of the three parts' first `limit` rows are the page."""
    if shape.overdue is True:
        return _overdue_in_due_order(dialect, shape, after, *extra)
    if dialect != "postgresql":
        stmt = _select(*extra).where(*_clauses(dialect, shape))
        if after:
            stmt = stmt.where(
                after_key(_DUE_KEY, Measure.id, bindparam("after_due"), bindparam("after_id"), desc=False)
            )
        return stmt.order_by(_DUE_KEY, Measure.id).limit(_limit())
    parts = []
    for key, due, holds in _PARTS:
        part = _select(key.label("due_key")).where(*_clauses(dialect, shape, due), *holds)
        if after:
            part = part.where(after_key(key, Measure.id, bindparam("after_due"), bindparam("after_id"), desc=False))
        parts.append(part.order_by(key, Measure.id).limit(_limit()))
    merged = union_all(*parts).subquery("part")
    columns = [c for c in merged.c if c.key != "due_key"]
    return select(*columns, *extra).order_by(merged.c.due_key, merged.c.id).limit(_limit())


@lru_cache(maxsize=256)
def _page_statement(dialect: str, shape: MeasureShape, after: bool) -> Any:
    """A page of one filter shape, due first (undated last), then id; built once (see
    `repository._list_statement` for why). Each row carries the work calendar's version token
    (`calendar_token`): the days overdue need the calendar, whose cached copy is then used
    without a statement of its own (`calendar_of`; one round trip of four less, issue 22)."""
    return _in_due_order(dialect, shape, after, VERSION_TOKEN.scalar_subquery().label("calendar_token"))


@lru_cache(maxsize=256)
def _count_statement(dialect: str, shape: MeasureShape) -> Any:
    stmt = select(func.count()).select_from(Measure).join(Issue, Issue.id == Measure.issue_id)
    # the overdue ones: a range of `ix_measure_open_due`, as their page
    return stmt.where(*_clauses(dialect, shape, MEASURE_DUE if shape.overdue is True else DUE))


@lru_cache(maxsize=64)
def _page_with_count_statement(dialect: str, shape: MeasureShape) -> Any:
    """The first page and, in every row, how many there are in all (one round trip), for one
    org's own measures (`responsible` exact: the to-do's section, which alone reads it).

    One pass over the org's matching measures, counted by a window and sorted on the due key: what
    it reads is the org's own open work, whatever the round's or the province's size. The page's
    three-part union (`_in_due_order`) with a count subquery read the same rows, but PostgreSQL
    planned its four joins for every request (2.0–2.6 ms, more than it ran; its generic plan,
    set for the one statement, cost two more round trips): this one plans in 0.5 ms (EXPLAIN ANALYZE,
    the busiest unit, issue 22)."""
    stmt = _select(func.count().over().label("total")).where(*_clauses(dialect, shape))
    return stmt.order_by(_DUE_KEY, Measure.id).limit(_limit())


def clear_statement_cache() -> None:
    """Forget the statements built once (a test that changes how they are built)."""
    _page_statement.cache_clear()
    _count_statement.cache_clear()
    _page_with_count_statement.cache_clear()


async def page(
    session: Reads, f: MeasureFilter, scope: Scope, after: tuple[str, int] | None, limit: int
) -> Sequence[Any]:
    """Due first (undated last), then id; limit + 1 rows."""
    shape, params = _shape_and_params(f, scope)
    params["limit"] = limit + 1
    if after is not None:
        params["after_due"], params["after_id"] = date.fromisoformat(after[0]), after[1]
    return await fetch(session, _page_statement(dialect_of(session).name, shape, after is not None), params)


async def calendar_of(session: Reads, rows: Sequence[Any]) -> WorkCalendar:
    """The work calendar for a `page`'s rows: under the token its first row carries (the rows
    read only when the cached calendar is not the token's), read as `load_base_calendar` reads
    it for an empty page."""
    if not rows:
        return await load_base_calendar(session)
    token = rows[0].calendar_token
    return await load_base_calendar(session, None if token is None else int(token))


async def page_with_count(session: Reads, f: MeasureFilter, scope: Scope, limit: int) -> tuple[Sequence[Any], int]:
    """The first `limit` rows and how many there are in all, in one round trip."""
    shape, params = _shape_and_params(f, scope)
    params["limit"] = limit
    rows = await fetch(session, _page_with_count_statement(dialect_of(session).name, shape), params)
    if rows:
        return rows, int(rows[0].total)
    return rows, 0  # no first page: nothing matches (the count says so too, in the same snapshot)


async def count(session: Reads, f: MeasureFilter, scope: Scope) -> int:
    shape, params = _shape_and_params(f, scope)
    rows = await fetch(session, _count_statement(dialect_of(session).name, shape), params)
    return int(rows[0][0])


def parse_after(cursor: str | None) -> tuple[str, int] | None:
    """A `due` cursor's (day, id); 422 for anything else."""
    if not cursor:
        return None
    value, row_id = decode_cursor(cursor, "due")
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise INVALID_CURSOR.error(details=[{"field": "query.cursor", "reason": "malformed"}]) from exc
    return value, row_id


def cursor_key(row: Any) -> tuple[str, int]:
    return (row.due or _FAR_FUTURE).isoformat(), int(row.id)


_N = len(repository.MEASURE_COLUMNS)


_STATUS = repository.MEASURE_NAMES.index("status")


def item_fields(rows: Sequence[Any], marks: DeadlineMarks) -> list[dict[str, Any]]:
    """`MeasureListItem`'s fields of page rows (validated with the whole answer, in one call).
    Read by position: a row's values unpack in C, `row.name` is a Python call each."""
    out = []
    for row in rows:
        values = tuple(row)
        round_id, issue_seq, category, due = values[_N : _N + 4]
        days = marks.days_overdue(due) if values[_STATUS] not in _DONE else None
        fields = measure_row_fields(values[:_N])
        fields["round_id"], fields["issue_seq"], fields["category"] = round_id, issue_seq, category
        fields["due"], fields["overdue"], fields["days_overdue"] = due, days is not None, days
        out.append(fields)
    return out


_ITEMS = TypeAdapter(list[MeasureListItem])


def page_json(rows: Sequence[Any], marks: DeadlineMarks, next_cursor: str | None, total: int | None) -> bytes:
    """A page's answer as the route's JSON (`Page[MeasureListItem]`, FastAPI's serializer), made
    without a pydantic object: each item a dict in the model's field order, written at once by
    pydantic's own serializer (`to_json`). The route validated every item, dumped the page to a
    dict, validated it again and wrote it: most of an `overdue=true` request's CPU in the API
    (issue 22). `test_measure_list_json.py` compares the bytes with the route's model's, over
    random rows."""
    items = []
    for row in rows:
        (mid, issue_id, seq, position, text, org_id, org_name, deadline, original, rule, provisional, deadline_text,
         precision, status, waived, withdrawn_at, withdrawn_by, withdrawn_reason, created_at, updated_at,
         round_id, issue_seq, category, due) = tuple(row)[: _N + 4]  # fmt: skip
        days = marks.days_overdue(due) if status not in _DONE else None
        items.append(
            {
                "id": mid,
                "issue_id": issue_id,
                "seq": seq,
                "position": position,
                "text": text,
                "responsible_org": {"id": org_id, "name": org_name} if org_id and org_name else None,
                "deadline": deadline,
                "original_deadline": original,
                "deadline_rule": written_rule(rule),
                "deadline_provisional": provisional,
                "deadline_text": deadline_text,
                "deadline_precision": precision,
                "status": status,
                "waived_reason": waived,
                "withdrawal": None
                if withdrawn_at is None
                else {
                    "withdrawn_at": withdrawn_at,
                    "withdrawn_by": withdrawn_by or "",
                    "reason": withdrawn_reason or "",
                },
                "created_at": created_at,
                "updated_at": updated_at,
                "overdue": days is not None,
                "days_overdue": days,
                "round_id": round_id,
                "issue_seq": issue_seq,
                "category": category,
                "due": due,
            }
        )
    return to_json({"items": items, "next_cursor": next_cursor, "total": total})


def items(rows: Sequence[Any], marks: DeadlineMarks) -> list[MeasureListItem]:
    """The page's items as the route's model validates them: what `page_json` is held to."""
    return _ITEMS.validate_python(item_fields(rows, marks))
