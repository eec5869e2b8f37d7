from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.routing import APIRoute
from sqlalchemy import Integer, bindparam, select
from sqlmodel import col

from rectify_shared.db_fast import fetch
from rectify_shared.indicators import Schedule, overall_schedule
from rectify_shared.models import IndicatorVersion
from rectify_shared.timezone import today

from ..auth.deps import LedgerReader, LedgerWriter, ProgressWriter
from ..auth.principal import Scope
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.fast_reads import route_json
from ..core.instants import IsoDate
from ..core.kept import Kept
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


@lru_cache(maxsize=2)
def _token_statement(by_round: bool) -> Any:
    """The change token(s) of the indicator figures (`indicator_version`, kept by triggers in the
    transaction of every write to the rows the answer reads): a round's row, or every round's."""
    if by_round:
        return select(col(IndicatorVersion.token)).where(
            col(IndicatorVersion.round_id) == bindparam("round_id", type_=Integer)
        )
    return select(col(IndicatorVersion.round_id), col(IndicatorVersion.token)).order_by(col(IndicatorVersion.round_id))


async def _token(session: Any, round_id: int | None) -> tuple[Any, ...] | None:
    """The token(s) the answer for `round_id` (None: every round) is made under; None when there is
    none yet (no indicator was ever written there: nothing is kept)."""
    if round_id is not None:
        rows = await fetch(session, _token_statement(True), {"round_id": round_id})
        return (rows[0][0],) if rows else None
    rows = await fetch(session, _token_statement(False), {})
    return tuple((r[0], r[1]) for r in rows) or None


@lru_cache(maxsize=1)
def _route() -> APIRoute:
    (route,) = (r for r in router.routes if isinstance(r, APIRoute) and r.endpoint is indicator_stats)
    return route


async def _encoded(stats: IndicatorStats) -> bytes:
    """The answer's JSON as FastAPI makes it for the route."""
    return await route_json(_route(), stats)


#: answers, encoded: (round, scope, as_of, the day a current answer is judged on, the token(s) they
#: were made under) -> the JSON. A past day's answer is a function of the rows the token covers
#: alone (`figures` judges it on `as_of`, never on today), so it is kept as today's is; a current
#: answer also by the day it is judged on.
_LAST_MAX = 64
#: the most bytes kept (a round's past answer carries every value known by then)
_LAST_BYTES = 32 << 20
_LAST: "Kept[tuple[int | None, Scope, date | None, date | None, tuple[Any, ...]], bytes]" = Kept(
    _LAST_MAX, max_bytes=_LAST_BYTES
)


def _keep(key: Any, content: bytes) -> None:
    """Keep the answer (its token is in the key; the newest is kept even when larger than the bound)."""
    _LAST.put(key, None, content, size=len(content))


def _json(content: bytes) -> Any:
    """The answer's bytes as the response FastAPI would make of them (the endpoint still declares
    its model: the document and the fast path read the route's model from it)."""
    return Response(content=content, media_type="application/json")


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
    # the last answer's bytes again while the round's token is the one it was made under
    token = await _token(session, round_id)
    key = (round_id, principal.scope, as_of, today() if as_of is None else None, token) if token is not None else None
    if key is not None and (content := _LAST.get(key)) is not None:
        return _json(content)
    content = await _encoded(await _indicator_stats(session, principal.scope, round_id, as_of))
    # kept only when no write committed while the rows were read (each statement may see a newer
    # commit on PostgreSQL; any such write renewed the token)
    if key is not None and await _token(session, round_id) == token:
        _keep(key, content)
    return _json(content)


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
