"""`indicators`: 指标完成情况 — every indicator of the round in the job's scope, with its figures
as known at the end of the job's day (md, xlsx, docx, pdf)."""

from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.indicator_figures import Reported, Spec, figures, sentence
from rectify_shared.indicators import Direction, IndicatorKind, parse_period
from rectify_shared.models import Indicator, IndicatorValue, InspectionRound, Org
from rectify_shared.timezone import end_of_day, today

from ..render.indicators import (
    IndicatorItem,
    IndicatorsSnapshot,
    render_docx,
    render_md,
    render_pdf,
    render_xlsx,
    title,
)
from ..snapshot import RoundNotFound
from . import Kind, register
from .escalation_notice import scope_clause
from .issue_progress import dated_file_name


async def load_indicators(session: AsyncSession, job: Any) -> IndicatorsSnapshot:
    as_of = job.as_of or today()
    cut = end_of_day(as_of)
    header = (
        await session.exec(
            select(col(InspectionRound.name), col(Org.name))
            .join(Org, col(Org.id) == col(InspectionRound.org_id))
            .where(col(InspectionRound.id) == job.round_id)
        )
    ).one_or_none()
    if header is None:
        raise RoundNotFound(f"inspection round {job.round_id} does not exist")
    scope_name = (await session.execute(select(col(Org.name)).where(col(Org.path) == job.org_path))).scalar()
    indicators = (
        (
            await session.execute(
                select(Indicator)
                .where(col(Indicator.round_id) == job.round_id, scope_clause(col(Indicator.org_path), job))
                .order_by(col(Indicator.issue_id).is_(None), col(Indicator.issue_id), col(Indicator.id))
            )
        )
        .scalars()
        .all()
    )
    ids = [i.id for i in indicators]
    values = (
        (
            await session.execute(
                select(IndicatorValue)
                .where(
                    col(IndicatorValue.indicator_id).in_(ids),
                    col(IndicatorValue.period_start) <= as_of,
                    col(IndicatorValue.reported_at) < cut,
                )
                .order_by(col(IndicatorValue.period_end), col(IndicatorValue.period_start))
            )
        )
        .scalars()
        .all()
    )
    items = []
    for ind in indicators:
        own = [v for v in values if v.indicator_id == ind.id and v.org_id == ind.org_id]
        reported = [
            Reported(
                parse_period(v.period),
                v.value,
                tuple((s["stage"], s["label"], int(s["count"])) for s in v.stages) if v.stages is not None else None,
            )
            for v in own
        ]
        spec = Spec(
            ind.name,
            ind.unit,
            IndicatorKind(ind.kind),
            Direction(ind.direction),
            ind.baseline,
            ind.baseline_date,
            ind.target,
            ind.target_date,
        )
        f = figures(spec, reported, as_of, as_of)
        items.append(
            IndicatorItem(
                spec, reported, [v.source or "" for v in own], f, sentence(spec, reported, f), ind.illustrative or []
            )
        )
    return IndicatorsSnapshot(header[0], scope_name or header[1], as_of, items)


RENDERERS = {
    ReportFormat.md: render_md,
    ReportFormat.xlsx: render_xlsx,
    ReportFormat.docx: render_docx,
    ReportFormat.pdf: render_pdf,
}


def render(snapshot: IndicatorsSnapshot, fmt: ReportFormat) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"indicators is not rendered as {fmt}")
    return RENDERERS[fmt](snapshot)


KIND = register(
    Kind(
        name=ReportKind.indicators.value,
        formats=frozenset(RENDERERS),
        load=load_indicators,
        render=render,
        file_name=lambda s, fmt: dated_file_name(title(s), s.as_of, fmt.value),
    )
)
