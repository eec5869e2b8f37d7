"""Indicator rows as figures: the conversions and the one query the API and the reports share.

An indicator's figures are computed from its own org's values known at the end of a day
(reported by then, for a period that had begun), so the API, the reports and the on-schedule flag
derived for a problem agree.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from .indicator_figures import Figures, Reported, Spec, figures
from .indicators import Direction, IndicatorKind, Schedule, overall_schedule, parse_period
from .models import Indicator, IndicatorValue
from .timezone import end_of_day


def spec_of(ind: Indicator) -> Spec:
    return Spec(
        name=ind.name,
        unit=ind.unit,
        kind=IndicatorKind(ind.kind),
        direction=Direction(ind.direction),
        baseline=ind.baseline,
        baseline_date=ind.baseline_date,
        target=ind.target,
        target_date=ind.target_date,
        subject=ind.subject,
        verb=ind.verb,
        noun=ind.noun,
    )


def reported_of(v: IndicatorValue) -> Reported:
    stages = tuple((s["stage"], s["label"], int(s["count"])) for s in v.stages) if v.stages is not None else None
    return Reported(parse_period(v.period), v.value, stages)


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


async def derived_issue_schedules(session: AsyncSession, issue_ids: Sequence[int], as_of: date) -> dict[int, Schedule]:
    """达到序时进度 / 滞后 of each problem that has indicators judged on `as_of` (behind when any
    of them is); problems without a judged indicator are left out — their flag is set by hand."""
    if not issue_ids:
        return {}
    judged = await judge(session, [col(Indicator.issue_id).in_(list(issue_ids))], as_of)
    by_issue: dict[int, list[Schedule | None]] = {}
    for j in judged:
        assert j.indicator.issue_id is not None
        by_issue.setdefault(j.indicator.issue_id, []).append(j.figures.schedule)
    derived = {issue_id: overall_schedule(s) for issue_id, s in by_issue.items()}
    return {issue_id: s for issue_id, s in derived.items() if s is not None}
