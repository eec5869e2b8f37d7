"""`indicators`: 指标完成情况 — every indicator of the round in the job's scope, with its figures
as known at the end of the job's day (md, xlsx, docx, pdf)."""

from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.indicator_figures import sentence
from rectify_shared.indicator_rows import judge
from rectify_shared.models import Indicator
from rectify_shared.timezone import today

from ..render.indicators import (
    IndicatorItem,
    IndicatorsSnapshot,
    render_docx,
    render_md,
    render_pdf,
    render_xlsx,
    title,
)
from ..templating import load_choice
from ..voice import report_voice
from . import Kind, register
from .escalation_notice import scope_clause
from .issue_progress import dated_file_name


async def load_indicators(session: AsyncSession, job: Any) -> IndicatorsSnapshot:
    as_of = job.as_of or today()
    voice = await report_voice(session, job.round_id, job.org_path)
    where = [col(Indicator.round_id) == job.round_id, scope_clause(col(Indicator.org_path), job)]
    items = [
        IndicatorItem(
            j.spec,
            j.reported,
            j.sources,
            j.figures,
            sentence(j.spec, j.reported, j.figures),
            j.indicator.illustrative or [],
        )
        for j in await judge(session, where, as_of)
    ]
    template = await load_choice(session, ReportKind.indicators.value, job)
    return IndicatorsSnapshot(voice.round_name, voice.name, as_of, items, template)


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
