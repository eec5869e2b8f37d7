"""The measure list (`GET /measures`): the ledger's measures across problems, filtered like the
problem list plus the deadline filters a screen needs (overdue on a day, due before a day), each
with its working days overdue."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, exists, func, literal, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import MEASURE_DONE, MeasureStatus
from rectify_shared.models import Issue, IssueOrg, Measure, Org
from rectify_shared.tree import in_subtree

from ..auth.principal import Scope
from ..core.error_catalogue import INVALID_CURSOR
from ..core.pagination import after_key, decode_cursor
from . import repository
from .overdue import DeadlineMarks
from .schemas import MeasureListItem
from .views import measure_row_fields

_FAR_FUTURE = date(9999, 12, 31)
_DONE = [s.value for s in MEASURE_DONE]
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


def overdue_clause(as_of: date) -> ColumnElement[bool]:
    """Never NULL, so its negation is every other measure (undated ones included)."""
    return Measure.status.not_in(_DONE) & DUE.is_not(None) & (DUE < as_of)


def clauses(f: MeasureFilter, scope: Scope) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Measure.withdrawn_at.is_(None),
        Issue.withdrawn_at.is_(None),
        repository.visible(scope),
    ]
    if f.round_id is not None:
        where.append(Issue.round_id == f.round_id)
    if f.issue_id is not None:
        where.append(Measure.issue_id == f.issue_id)
    if f.statuses:
        where.append(Measure.status.in_([MeasureStatus(s).value for s in f.statuses]))
    if f.category is not None:
        where.append(Issue.category == f.category)
    if f.org_path is not None:
        where.append(exists().where(IssueOrg.issue_id == Issue.id, in_subtree(IssueOrg.org_path, f.org_path)))
    if f.responsible is not None:
        path, exact = f.responsible
        where.append(Measure.org_path == path if exact else in_subtree(Measure.org_path, path))
        where.append(Measure.responsible_org_id.is_not(None))
    if f.due_before is not None:
        where.append(DUE < f.due_before)
    if f.overdue is not None and f.as_of is not None:
        late = overdue_clause(f.as_of)
        where.append(late if f.overdue else ~late)
    return where


def _select(*extra: Any) -> Any:
    return (
        select(
            *repository.MEASURE_COLUMNS,
            Issue.round_id,
            Issue.seq.label("issue_seq"),
            Issue.category,
            DUE.label("due"),
            *extra,
        )
        .join(Issue, Issue.id == Measure.issue_id)
        .outerjoin(Org, Org.id == Measure.responsible_org_id)
    )


async def page(
    session: AsyncSession, f: MeasureFilter, scope: Scope, after: tuple[str, int] | None, limit: int
) -> Sequence[Row[Any]]:
    """Due first (undated last), then id; limit + 1 rows."""
    stmt = _select().where(*clauses(f, scope))
    if after is not None:
        stmt = stmt.where(after_key(_DUE_KEY, Measure.id, date.fromisoformat(after[0]), after[1], desc=False))
    return (await session.execute(stmt.order_by(_DUE_KEY, Measure.id).limit(limit + 1))).all()


async def page_with_count(
    session: AsyncSession, f: MeasureFilter, scope: Scope, limit: int
) -> tuple[Sequence[Row[Any]], int]:
    """The first `limit` rows and how many there are in all, in one round trip (a window count)."""
    stmt = _select(func.count().over().label("total")).where(*clauses(f, scope))
    rows = (await session.execute(stmt.order_by(_DUE_KEY, Measure.id).limit(limit))).all()
    return rows, (int(rows[0].total) if rows else 0)


async def count(session: AsyncSession, f: MeasureFilter, scope: Scope) -> int:
    stmt = select(func.count()).select_from(Measure).join(Issue, Issue.id == Measure.issue_id).where(*clauses(f, scope))
    return int((await session.execute(stmt)).scalar_one())


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


def items(rows: Sequence[Any], marks: DeadlineMarks) -> list[MeasureListItem]:
    out = []
    for row in rows:
        days = marks.days_overdue(row.due) if row.status not in _DONE else None
        out.append(
            MeasureListItem.model_validate(
                measure_row_fields(tuple(row)[:_N])
                | {
                    "round_id": row.round_id,
                    "issue_seq": row.issue_seq,
                    "category": row.category,
                    "due": row.due,
                    "overdue": days is not None,
                    "days_overdue": days,
                }
            )
        )
    return out
