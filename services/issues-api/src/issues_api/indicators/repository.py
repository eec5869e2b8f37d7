"""Indicator queries. An indicator is in a caller's scope when its org is."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import core_execute
from rectify_shared.models import Indicator, IndicatorMeasure, IndicatorValue
from rectify_shared.timezone import end_of_day

from ..auth.principal import Scope


async def get(session: AsyncSession, indicator_id: int, scope: Scope, *, for_update: bool = False) -> Indicator | None:
    stmt = select(Indicator).where(col(Indicator.id) == indicator_id, scope.clause(col(Indicator.org_path)))
    if for_update:
        stmt = stmt.with_for_update(of=Indicator)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession,
    scope: Scope,
    *,
    round_id: int | None,
    issue_id: int | None,
    after_id: int | None,
    limit: int,
) -> Sequence[Indicator]:
    stmt = select(Indicator).where(scope.clause(col(Indicator.org_path)))
    if round_id is not None:
        stmt = stmt.where(col(Indicator.round_id) == round_id)
    if issue_id is not None:
        stmt = stmt.where(col(Indicator.issue_id) == issue_id)
    if after_id is not None:
        stmt = stmt.where(col(Indicator.id) > after_id)
    return (await session.execute(stmt.order_by(col(Indicator.id)).limit(limit + 1))).scalars().all()


async def all_in_round(session: AsyncSession, scope: Scope, round_id: int | None) -> Sequence[Indicator]:
    stmt = select(Indicator).where(scope.clause(col(Indicator.org_path)))
    if round_id is not None:
        stmt = stmt.where(col(Indicator.round_id) == round_id)
    return (await session.execute(stmt.order_by(col(Indicator.id)))).scalars().all()


async def measure_ids(session: AsyncSession, indicator_ids: Sequence[int]) -> dict[int, list[int]]:
    if not indicator_ids:
        return {}
    rows = (
        await session.execute(
            select(col(IndicatorMeasure.indicator_id), col(IndicatorMeasure.measure_id))
            .where(col(IndicatorMeasure.indicator_id).in_(indicator_ids))
            .order_by(col(IndicatorMeasure.indicator_id), col(IndicatorMeasure.measure_id))
        )
    ).all()
    out: dict[int, list[int]] = {}
    for indicator_id, measure_id in rows:
        out.setdefault(indicator_id, []).append(measure_id)
    return out


#: the columns of a value the answers show (`views.value_read`) and judge (`reported_of`): its
#: first twelve `ValueRead`'s fields in their order (`views` checks), so a read is made by zip
_VALUE_COLUMNS = (
    col(IndicatorValue.id), col(IndicatorValue.period), col(IndicatorValue.period_start),
    col(IndicatorValue.period_end), col(IndicatorValue.org_id), col(IndicatorValue.value),
    col(IndicatorValue.stages), col(IndicatorValue.met), col(IndicatorValue.source),
    col(IndicatorValue.attachment_id), col(IndicatorValue.reported_by), col(IndicatorValue.reported_at),
    col(IndicatorValue.indicator_id),
)  # fmt: skip


class ValueRow(NamedTuple):
    """A value as `values_of` hands it: `_VALUE_COLUMNS` in a plain named tuple (its fields read at
    C speed, where a `Row`'s attribute goes through its mapping: reading 3,700 of them twelve times
    each was a fifth of a past day's `/stats/indicators`)."""

    id: int
    period: str
    period_start: date
    period_end: date
    org_id: int
    value: Decimal | None
    stages: list[dict[str, Any]] | None
    met: bool | None
    source: str | None
    attachment_id: int | None
    reported_by: str
    reported_at: datetime
    indicator_id: int


if ValueRow._fields != tuple(c.key for c in _VALUE_COLUMNS):  # type: ignore[union-attr]
    raise RuntimeError("ValueRow's fields must be _VALUE_COLUMNS', in order")


async def values_of(
    session: AsyncSession, indicator_ids: Sequence[int], scope: Scope, as_of: date | None
) -> dict[int, list[ValueRow]]:
    """The values of the indicators the caller may see (its scope), as known on as_of (reported
    by the end of that day, for a period that had begun), in period order: `ValueRow`s, the columns
    of `IndicatorValue` the answers use, converted as the model converts them (a Core statement:
    loading thousands of ORM objects was a fifth of a past day's `/stats/indicators`)."""
    if not indicator_ids:
        return {}
    stmt = select(*_VALUE_COLUMNS).where(
        col(IndicatorValue.indicator_id).in_(indicator_ids), scope.clause(col(IndicatorValue.org_path))
    )
    if as_of is not None:
        stmt = stmt.where(
            col(IndicatorValue.period_start) <= as_of, col(IndicatorValue.reported_at) < end_of_day(as_of)
        )
    stmt = stmt.order_by(col(IndicatorValue.period_end), col(IndicatorValue.period_start), col(IndicatorValue.org_path))
    out: dict[int, list[ValueRow]] = {}
    for v in map(ValueRow._make, (await core_execute(session, stmt)).all()):
        out.setdefault(v.indicator_id, []).append(v)
    return out


async def periods_of(session: AsyncSession, indicator_id: int, org_id: int) -> Sequence[tuple[str, date, date]]:
    stmt = select(col(IndicatorValue.period), col(IndicatorValue.period_start), col(IndicatorValue.period_end)).where(
        col(IndicatorValue.indicator_id) == indicator_id, col(IndicatorValue.org_id) == org_id
    )
    return [(p, s, e) for p, s, e in (await session.execute(stmt)).all()]


async def value_for_update(session: AsyncSession, indicator_id: int, org_id: int, period: str) -> IndicatorValue | None:
    stmt = (
        select(IndicatorValue)
        .where(
            col(IndicatorValue.indicator_id) == indicator_id,
            col(IndicatorValue.org_id) == org_id,
            col(IndicatorValue.period) == period,
        )
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()
