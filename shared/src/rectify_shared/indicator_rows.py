"""Indicator rows as figures: the conversions and the one query the API and the reports share.

An indicator's figures are computed from its own org's values known at the end of a day
(reported by then, for a period that had begun), so the API, the reports and the on-schedule flag
derived for a problem agree.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from .db_fast import fetch
from .indicator_figures import Figures, Reported, Spec, figures
from .indicators import Direction, IndicatorKind, Schedule, overall_schedule
from .models import Indicator, IndicatorValue
from .models.types import UTCDateTime
from .periods import parse_period
from .timezone import end_of_day


def spec_of(ind: Any) -> Spec:
    """Of an `Indicator`, or a row with its columns (Decimals converted)."""
    return Spec(
        name=ind.name,
        unit=ind.unit,
        kind=IndicatorKind(ind.kind),
        direction=Direction(ind.direction),
        baseline=ind.baseline,
        baseline_date=ind.baseline_date,
        target=ind.target,
        target_date=ind.target_date,
        target_text=getattr(ind, "target_text", None),
        subject=ind.subject,
        verb=ind.verb,
        noun=ind.noun,
    )


#: a label's period (a frozen value; the same few hundred labels recur across every series)
_period = lru_cache(maxsize=4096)(parse_period)


def reported_of(v: Any) -> Reported:
    """Of an `IndicatorValue`, or a row with its `period`, `value` (a Decimal) and `stages`."""
    stages = tuple((s["stage"], s["label"], int(s["count"])) for s in v.stages) if v.stages is not None else None
    return Reported(_period(v.period), v.value, stages, getattr(v, "met", None))


@dataclass(frozen=True)
class Judged:
    indicator: Indicator
    spec: Spec
    reported: list[Reported]
    sources: list[str]
    figures: Figures


async def judge(session: AsyncSession, where: Sequence[ColumnElement[bool]], as_of: date) -> list[Judged]:
    """The indicators matching `where`, each with its own org's values known at the end of
    `as_of` and the figures (schedule judged on `as_of`), ordered by problem, then id."""
    rows = (
        (
            await session.execute(
                select(Indicator)
                .where(*where)
                .order_by(col(Indicator.issue_id).is_(None), col(Indicator.issue_id), col(Indicator.id))
            )
        )
        .scalars()
        .all()
    )
    if not rows:
        return []
    values = (
        (
            await session.execute(
                select(IndicatorValue)
                .where(
                    col(IndicatorValue.indicator_id).in_([i.id for i in rows]),
                    col(IndicatorValue.period_start) <= as_of,
                    col(IndicatorValue.reported_at) < end_of_day(as_of),
                )
                .order_by(col(IndicatorValue.period_end), col(IndicatorValue.period_start))
            )
        )
        .scalars()
        .all()
    )
    out = []
    for ind in rows:
        own = [v for v in values if v.indicator_id == ind.id and v.org_id == ind.org_id]
        spec, reported = spec_of(ind), [reported_of(v) for v in own]
        out.append(Judged(ind, spec, reported, [v.source or "" for v in own], figures(spec, reported, as_of, as_of)))
    return out


def _text(column: Any, name: str) -> Any:
    """A column read as its stored text (no SQLAlchemy result conversion, so `db_fast.fetch` takes it)."""
    return type_coerce(column, String).label(name)


_INDICATOR_COLUMNS: tuple[Any, ...] = (
    col(Indicator.id), col(Indicator.issue_id), col(Indicator.org_id), col(Indicator.name), col(Indicator.unit),
    col(Indicator.kind), col(Indicator.direction), _text(Indicator.baseline, "baseline"),
    col(Indicator.baseline_date), _text(Indicator.target, "target"), col(Indicator.target_date),
    col(Indicator.subject), col(Indicator.verb), col(Indicator.noun),
)  # fmt: skip
_INDICATOR_NAMES = tuple(c.key for c in _INDICATOR_COLUMNS)
_VALUE_COLUMNS = (
    col(IndicatorValue.indicator_id), col(IndicatorValue.org_id), col(IndicatorValue.period),
    _text(IndicatorValue.value, "value"), _text(IndicatorValue.stages, "stages"),
)  # fmt: skip


@lru_cache(maxsize=4)
def _schedule_statements(dialect: str) -> tuple[Any, Any]:
    """(the indicators of problems `:ids`, their values known by `:as_of`/`:cut`), built once per
    dialect for `db_fast.fetch` (an array parameter on PostgreSQL: an expanding IN cannot be prepared)."""

    def among(column: Any) -> Any:
        if dialect == "postgresql":
            return column == any_(bindparam("ids", type_=ARRAY(Integer)))
        return column.in_(bindparam("ids", expanding=True))

    indicators = (
        select(*_INDICATOR_COLUMNS)
        .where(among(col(Indicator.issue_id)))
        .order_by(col(Indicator.issue_id), col(Indicator.id))
    )
    values = (
        select(*_VALUE_COLUMNS)
        .where(
            among(col(IndicatorValue.indicator_id)),
            col(IndicatorValue.period_start) <= bindparam("as_of", type_=Date()),
            col(IndicatorValue.reported_at) < bindparam("cut", type_=UTCDateTime()),
        )
        .order_by(col(IndicatorValue.period_end), col(IndicatorValue.period_start))
    )
    return indicators, values


def _json(value: Any) -> Any:
    """A JSON column read through `fetch`: text on SQLite, already decoded where the driver has a codec."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


#: PostgreSQL: (indicator id, day) -> (its row, the digest of its values, its judgement): the last
#: judgement of each indicator, given again while its row and its values' digest are the same (a
#: dashboard asks about the same day all day; judging a series is most of the cost)
_JUDGED: dict[tuple[int, date], tuple[Any, str | None, Schedule | None]] = {}
_JUDGED_MAX = 4096


@lru_cache(maxsize=1)
def _digest_statements() -> tuple[Any, Any]:
    """PostgreSQL: (each indicator of `:ids` with the digest of its own org's values known by
    `:as_of`/`:cut`, those values with each row's text). The digest is the md5 of the rows' texts
    in byte order joined by '|' (`_digest`), so a digest made of rows read is the one given here."""
    value = IndicatorValue
    own = (
        select(*_VALUE_COLUMNS, col(value.period_end), col(value.period_start))
        .join(Indicator, and_(col(Indicator.id) == col(value.indicator_id), col(Indicator.org_id) == col(value.org_id)))
        .where(
            col(value.indicator_id) == any_(bindparam("ids", type_=ARRAY(Integer))),
            col(value.period_start) <= bindparam("as_of", type_=Date()),
            col(value.reported_at) < bindparam("cut", type_=UTCDateTime()),
        )
        .subquery("v")
    )
    row: Any = literal_column("v::text")
    digest = func.md5(func.string_agg(row, aggregate_order_by(literal("|"), row.collate("C"))))
    digests = select(own.c.indicator_id, digest.label("digest")).group_by(own.c.indicator_id)
    values = select(own, row.label("row_text")).order_by(own.c.period_end, own.c.period_start)
    return digests, values


def _digest(texts: Sequence[str]) -> str | None:
    if not texts:
        return None
    return hashlib.md5("|".join(sorted(texts)).encode(), usedforsecurity=False).hexdigest()


def _judged(ind: Any, values: Sequence[Any], as_of: date) -> Schedule | None:
    """An indicator's schedule on `as_of` from its `fetch`ed row and its own org's values."""
    columns = {name: getattr(ind, name) for name in _INDICATOR_NAMES}
    spec = spec_of(SimpleNamespace(**{**columns, "baseline": _decimal(ind.baseline), "target": _decimal(ind.target)}))
    reported = [
        reported_of(SimpleNamespace(period=v.period, value=_decimal(v.value), stages=_json(v.stages))) for v in values
    ]
    return figures(spec, reported, as_of, as_of).schedule


async def _judged_again(reads: Any, indicators: Sequence[Any], as_of: date) -> list[Schedule | None]:
    """PostgreSQL: each indicator's schedule, judged again only where its row or its values changed."""
    params = {"ids": [ind.id for ind in indicators], "as_of": as_of, "cut": end_of_day(as_of)}
    digests_stmt, values_stmt = _digest_statements()
    digests = {r[0]: r[1] for r in await fetch(reads, digests_stmt, params)}
    out: dict[int, Schedule | None] = {}
    for ind in indicators:
        last = _JUDGED.get((ind.id, as_of))
        if last is not None and last[0] == ind and last[1] == digests.get(ind.id):
            out[ind.id] = last[2]
    stale = [ind for ind in indicators if ind.id not in out]
    if stale:
        rows = await fetch(reads, values_stmt, {**params, "ids": [ind.id for ind in stale]})
        series: dict[int, list[Any]] = {}
        for v in rows:
            series.setdefault(v.indicator_id, []).append(v)
        for ind in stale:
            own = series.get(ind.id, [])
            out[ind.id] = _judged(ind, own, as_of)
            _JUDGED[(ind.id, as_of)] = (ind, _digest([v.row_text for v in own]), out[ind.id])
        while len(_JUDGED) > _JUDGED_MAX:
            del _JUDGED[next(iter(_JUDGED))]
    return [out[ind.id] for ind in indicators]


async def derived_issue_schedules(reads: Any, issue_ids: Sequence[int], as_of: date) -> dict[int, Schedule]:
    """达到序时进度 / 滞后 of each problem that has indicators judged on `as_of` (behind when any
    of them is); problems without a judged indicator are left out — their flag is set by hand.

    `reads` is a session or a `db_fast.ReadConnection` (the ledger's fast path): columns through
    `db_fast.fetch`, judged as `judge` judges them (`spec_of`, `reported_of`, `figures`)."""
    if not issue_ids:
        return {}
    dialect = reads.bind.dialect.name
    indicators_stmt, values_stmt = _schedule_statements(dialect)
    indicators = await fetch(reads, indicators_stmt, {"ids": list(dict.fromkeys(issue_ids))})
    if not indicators:
        return {}
    if dialect == "postgresql":
        schedules = await _judged_again(reads, indicators, as_of)
    else:
        values = await fetch(
            reads, values_stmt, {"ids": [i.id for i in indicators], "as_of": as_of, "cut": end_of_day(as_of)}
        )
        series: dict[tuple[int, int], list[Any]] = {}  # (indicator, org) -> its values, in period order
        for v in values:
            series.setdefault((v.indicator_id, v.org_id), []).append(v)
        schedules = [_judged(ind, series.get((ind.id, ind.org_id), []), as_of) for ind in indicators]
    by_issue: dict[int, list[Schedule | None]] = {}
    for ind, schedule in zip(indicators, schedules, strict=True):
        by_issue.setdefault(ind.issue_id, []).append(schedule)
    derived = {issue_id: overall_schedule(s) for issue_id, s in by_issue.items()}
    return {issue_id: s for issue_id, s in derived.items() if s is not None}
