from collections import OrderedDict
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Integer, and_, bindparam, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.indicators import Schedule, overall_schedule
from rectify_shared.models import Indicator, IndicatorMeasure, IndicatorValue
from rectify_shared.timezone import today
from rectify_shared.tree import subtree_bounds

from ..auth.deps import LedgerReader, LedgerWriter, ProgressWriter
from ..auth.principal import Scope
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.instants import IsoDate
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from ..rounds.repository import round_visible
from . import repository, service, views
from .schemas import IndicatorCreate, IndicatorRead, IndicatorStats, ScheduleRef, ValueCreate

router = APIRouter(prefix="/api/v1", tags=["indicators"])

AsOf = Annotated[
    IsoDate | None, Query(description="Figures as known at the end of this day: values reported by then; default: now")
]


async def _read(session: SessionDep, indicator_id: int, principal: LedgerReader, as_of: date | None) -> IndicatorRead:
    ind = await repository.get(session, indicator_id, principal.scope)
    if ind is None:
        raise not_found("指标", "Indicator")
    assert ind.id is not None
    links = await repository.measure_ids(session, [ind.id])
    values = await repository.values_of(session, [ind.id], principal.scope, as_of)
    return views.indicator_read(ind, links.get(ind.id, []), values.get(ind.id, []), as_of)


@router.post("/indicators", status_code=201, response_model=IndicatorRead, responses=errors(415, 422))
async def create_indicator(
    data: IndicatorCreate, session: SessionDep, principal: LedgerWriter, response: Response
) -> IndicatorRead:
    """Define an indicator (指标) with its baseline and target, linked to the problem and measures it measures."""
    ind = await service.create_indicator(session, data, principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/indicators/{ind.id}"
    assert ind.id is not None
    return await _read(session, ind.id, principal, None)


@router.get("/indicators", response_model=Page[IndicatorRead], responses=errors(422))
async def list_indicators(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    issue_id: int | None = None,
    as_of: AsOf = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[IndicatorRead]:
    """The indicators in the caller's scope with their series and derived figures."""
    after = None
    if cursor:
        _, after = decode_cursor(cursor, "id")
    rows = await repository.list_page(
        session, principal.scope, round_id=round_id, issue_id=issue_id, after_id=after, limit=limit
    )
    items, nxt = page_of(rows, limit, "id", lambda r: (r.id, r.id or 0))
    ids = [i.id for i in items if i.id is not None]
    links = await repository.measure_ids(session, ids)
    values = await repository.values_of(session, ids, principal.scope, as_of)
    return Page[IndicatorRead](
        items=[views.indicator_read(i, links.get(i.id or 0, []), values.get(i.id or 0, []), as_of) for i in items],
        next_cursor=nxt,
    )


@router.get("/indicators/{indicator_id}", response_model=IndicatorRead, responses=errors(404, 422))
async def get_indicator(
    indicator_id: int, session: SessionDep, principal: LedgerReader, as_of: AsOf = None
) -> IndicatorRead:
    """One indicator: its series and the derived figures (cumulative, change against the same
    period last year, percent of target, straight-line schedule) as of a day."""
    return await _read(session, indicator_id, principal, as_of)


@router.post(
    "/indicators/{indicator_id}/values",
    status_code=201,
    response_model=IndicatorRead,
    responses=errors(404, 415, 422),
)
async def report_value(
    indicator_id: int, data: ValueCreate, session: SessionDep, principal: ProgressWriter, response: Response
) -> IndicatorRead:
    """Report a figure for a period (a unit for its own org, the office for any org under the
    indicator's). A second report for the same org and period replaces the first (audited).
    Implausible figures (negative, a percentage over 100, overlapping cumulative periods) are 422."""
    ind, _ = await service.report_value(session, indicator_id, data, principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/indicators/{ind.id}"
    return await _read(session, indicator_id, principal, None)


def _in_scope(column: Any, exact: bool) -> Any:
    if exact:
        return column == bindparam("scope_path")
    return and_(column >= bindparam("scope_lo"), column < bindparam("scope_hi"))


@lru_cache(maxsize=8)
def _today_digest(by_round: bool, exact: bool) -> Any:
    """PostgreSQL: the md5 of every row today's `/stats/indicators` is made of — the indicators in
    scope, their measures, the values the caller sees — as text, in byte order."""
    ind, link, value = (m.__table__ for m in (Indicator, IndicatorMeasure, IndicatorValue))  # type: ignore[attr-defined,union-attr]
    where = [_in_scope(ind.c.org_path, exact)]
    if by_round:
        where.append(ind.c.round_id == bindparam("round_id", type_=Integer))
    ids = select(ind.c.id).where(*where)
    parts = {
        "i": select(ind).where(*where),
        "l": select(link).where(link.c.indicator_id.in_(ids)),
        "v": select(value).where(value.c.indicator_id.in_(ids), _in_scope(value.c.org_path, exact)),
    }
    texts = []
    for name, stmt in parts.items():
        row: Any = literal_column(f"{name}::text")
        joined = func.string_agg(row, aggregate_order_by(literal("|"), row.collate("C")))
        texts.append(func.coalesce(select(joined).select_from(stmt.subquery(name)).scalar_subquery(), ""))
    return select(func.md5(func.concat_ws("#", *texts)).label("digest"))


async def _digest(session: Any, round_id: int | None, scope: Scope) -> str:
    params: dict[str, Any] = {"round_id": round_id}
    if scope.exact:
        params["scope_path"] = scope.path
    else:
        params["scope_lo"], params["scope_hi"] = subtree_bounds(scope.path)
    (row,) = await fetch(session, _today_digest(round_id is not None, scope.exact), params)
    return str(row.digest)


#: today's answers: (round, scope, day) -> (the digest of the rows they were made of, the answer)
_LAST: "OrderedDict[tuple[int | None, Scope, date], tuple[str, IndicatorStats]]" = OrderedDict()
_LAST_MAX = 32


@router.get("/stats/indicators", response_model=IndicatorStats, responses=errors(404, 422))
async def indicator_stats(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Judge the schedule on this day; default: today")] = None,
) -> IndicatorStats:
    """Every indicator of the round in scope, judged against its straight-line plan, with the
    on-schedule flag (达到序时进度 / 滞后) this derives for the linked measures and problems."""
    if round_id is not None and not await round_visible(session, principal, round_id):
        raise not_found("督察轮次", "Inspection round")
    if as_of is not None or dialect_of(session).name != "postgresql":
        return await _indicator_stats(session, principal.scope, round_id, as_of)
    # today, on PostgreSQL: the last answer again while the rows it was made of are the same
    key, mark = (round_id, principal.scope, today()), await _digest(session, round_id, principal.scope)
    last = _LAST.get(key)
    if last is not None and last[0] == mark:
        _LAST.move_to_end(key)
        return last[1]
    stats = await _indicator_stats(session, principal.scope, round_id, None)
    if await _digest(session, round_id, principal.scope) == mark:  # (not kept if a write came in between)
        _LAST[key] = (mark, stats)
        _LAST.move_to_end(key)
        while len(_LAST) > _LAST_MAX:
            _LAST.popitem(last=False)
    return stats


async def _indicator_stats(session: Any, scope: Scope, round_id: int | None, as_of: date | None) -> IndicatorStats:
    rows = await repository.all_in_round(session, scope, round_id)
    ids = [i.id for i in rows if i.id is not None]
    links = await repository.measure_ids(session, ids)
    values = await repository.values_of(session, ids, scope, as_of)
    reads = [views.indicator_read(i, links.get(i.id or 0, []), values.get(i.id or 0, []), as_of) for i in rows]
    by_measure: dict[int, list[Schedule | None]] = {}
    by_issue: dict[int, list[Schedule | None]] = {}
    for r in reads:
        for m in r.measure_ids:
            by_measure.setdefault(m, []).append(r.derived.schedule)
        if r.issue_id is not None:
            by_issue.setdefault(r.issue_id, []).append(r.derived.schedule)
    judged = [r.derived.schedule for r in reads]
    return IndicatorStats(
        round_id=round_id,
        as_of=as_of,
        total=len(reads),
        on_schedule=judged.count(Schedule.on_schedule),
        behind=judged.count(Schedule.behind),
        unjudged=judged.count(None),
        indicators=reads,
        measures=[ScheduleRef(id=m, schedule=overall_schedule(s)) for m, s in sorted(by_measure.items())],
        issues=[ScheduleRef(id=i, schedule=overall_schedule(s)) for i, s in sorted(by_issue.items())],
    )
