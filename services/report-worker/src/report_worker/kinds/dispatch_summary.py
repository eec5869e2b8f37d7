"""`dispatch_summary`: one dispatch round's reporting, as of the job's day (md, docx, pdf, xlsx).

The job names the dispatch round in `params["dispatch_round_id"]`. Units and escalations are
limited to the job's scope. As of a day: a report made after that day ends counts as missing,
and only escalations issued by then (and not withdrawn) are listed.
"""

from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportFormat
from rectify_shared.escalation_policy import Level
from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import DispatchObligation, DispatchRound, Escalation, InspectionRound, Org
from rectify_shared.timezone import CHINA_TZ, end_of_day, today

from ..render.dispatch_summary import (
    DispatchSummary,
    EscalationLine,
    ReportStatus,
    UnitReport,
    render_summary_docx,
    render_summary_md,
    render_summary_pdf,
    render_summary_xlsx,
    summary_file_name,
)
from ..templating import load_choice
from . import Kind, register
from .escalation_notice import job_param, scope_clause


class DispatchRoundNotFound(LookupError):
    pass


async def load_summary(session: AsyncSession, job: Any) -> DispatchSummary:
    dispatch_id = job_param(job, "dispatch_round_id")
    as_of = job.as_of or today()
    cut = end_of_day(as_of)
    header = (
        await session.execute(
            select(col(InspectionRound.name), col(Org.name), col(DispatchRound.period), col(DispatchRound.cutoff))
            .join(InspectionRound, col(InspectionRound.id) == col(DispatchRound.round_id))
            .join(Org, col(Org.id) == col(InspectionRound.org_id))
            .where(col(DispatchRound.id) == dispatch_id, col(DispatchRound.round_id) == job.round_id)
        )
    ).one_or_none()
    if header is None:
        raise DispatchRoundNotFound(f"dispatch round {dispatch_id} is not in this round / 调度轮次不存在")
    round_name, office, period, cutoff = header

    obligations = (
        await session.execute(
            select(col(Org.name), col(DispatchObligation.reported_at))
            .join(Org, col(Org.id) == col(DispatchObligation.org_id))
            .where(
                col(DispatchObligation.dispatch_round_id) == dispatch_id,
                scope_clause(col(DispatchObligation.org_path), job),
            )
            .order_by(col(Org.path))
        )
    ).all()
    units = []
    for name, reported_at in obligations:
        seen = reported_at if reported_at is not None and reported_at < cut else None
        status: ReportStatus = "missing" if seen is None else ("on_time" if seen <= cutoff else "late")
        units.append(UnitReport(name, seen, status))

    escalations = (
        await session.execute(
            select(
                col(Escalation.level),
                col(Escalation.doc_no),
                col(Org.name),
                col(Escalation.reason),
                col(Escalation.issued_at),
                col(Escalation.state),
            )
            .join(Org, col(Org.id) == col(Escalation.addressed_org_id))
            .where(
                col(Escalation.dispatch_round_id) == dispatch_id,
                scope_clause(col(Escalation.org_path), job),
                col(Escalation.issued_at).is_not(None),
                col(Escalation.issued_at) < cut,
                col(Escalation.state) != EscalationState.withdrawn,
            )
            .order_by(col(Escalation.issued_at), col(Escalation.id))
        )
    ).all()
    return DispatchSummary(
        round_name=round_name,
        office=office,
        period=period,
        cutoff=cutoff,
        as_of=as_of,
        units=units,
        escalations=[
            EscalationLine(Level(level), doc_no, addressee, reason, issued.astimezone(CHINA_TZ).date(), state)
            for level, doc_no, addressee, reason, issued, state in escalations
        ],
        template=await load_choice(session, "dispatch_summary", job),
    )


RENDERERS = {
    ReportFormat.md: render_summary_md,
    ReportFormat.docx: render_summary_docx,
    ReportFormat.pdf: render_summary_pdf,
    ReportFormat.xlsx: render_summary_xlsx,
}


def render(summary: DispatchSummary, fmt: ReportFormat) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"a dispatch summary is not rendered as {fmt}")
    return RENDERERS[fmt](summary)


KIND = register(
    Kind(
        name="dispatch_summary",
        formats=frozenset(RENDERERS),
        load=load_summary,
        render=render,
        file_name=lambda summary, fmt: summary_file_name(summary, fmt.value),
    )
)
