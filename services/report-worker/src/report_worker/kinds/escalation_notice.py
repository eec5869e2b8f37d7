"""`escalation_notice`: the official document of one escalation (md, docx, pdf, ofd), worded by the
office's template in force (`templating.load_choice`; the shipped default otherwise).

The job names the escalation in `params["escalation_id"]`; it must belong to the job's round and
lie in the job's scope (issues-api checked the requester; this keeps the worker from rendering
anything outside the job, whatever a job row says).
"""

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportFormat
from rectify_shared.escalation_policy import Level
from rectify_shared.models import DispatchRound, Escalation, InspectionRound, Issue, Measure, Org, PetitionCase
from rectify_shared.timezone import CHINA_TZ, today
from rectify_shared.tree import in_subtree

from ..render.escalation_notice import (
    EscalationNotice,
    Summons,
    cc_line,
    notice_file_name,
    render_notice_docx,
    render_notice_md,
    render_notice_ofd,
    render_notice_pdf,
)
from ..templating import load_choice
from . import Kind, register


class EscalationNotFound(LookupError):
    pass


def job_param(job: Any, name: str) -> int:
    """A whole-number request parameter of the job, e.g. `escalation_id`; a clear error if absent."""
    value = (getattr(job, "params", None) or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"a {job.kind} report needs the parameter {name}")
    return value


def scope_clause(column: Any, job: Any) -> ColumnElement[bool]:
    return column == job.org_path if job.scope_exact else in_subtree(column, job.org_path)


async def load_notice(session: AsyncSession, job: Any) -> EscalationNotice:
    escalation_id = job_param(job, "escalation_id")
    office, addressed, issuer, round_office = aliased(Org), aliased(Org), aliased(Org), aliased(Org)
    stmt = (
        select(
            func.coalesce(col(issuer.name), col(round_office.name), col(office.name)),
            col(Escalation.trigger),
            col(Issue.responsible_leader),
            col(Escalation.level),
            col(Escalation.state),
            col(Escalation.doc_no),
            col(Escalation.reason),
            col(Escalation.response_due),
            col(Escalation.issued_at),
            col(InspectionRound.name),
            col(office.name),
            col(addressed.name),
            col(Issue.seq),
            col(Issue.description),
            col(Measure.seq),
            col(Measure.text),
            col(DispatchRound.period),
            col(PetitionCase.intake_no),
            col(PetitionCase.content),
            col(Escalation.reference),
            col(Escalation.letter),
        )
        .join(InspectionRound, col(InspectionRound.id) == col(Escalation.round_id))
        .join(office, col(office.id) == col(InspectionRound.org_id))
        # letters are issued by the round's 督察整改办 (older rows: the round's own org)
        .outerjoin(issuer, col(issuer.id) == col(Escalation.issuer_org_id))
        .outerjoin(round_office, col(round_office.id) == col(InspectionRound.office_org_id))
        .join(addressed, col(addressed.id) == col(Escalation.addressed_org_id))
        .outerjoin(Issue, col(Issue.id) == col(Escalation.issue_id))
        .outerjoin(Measure, col(Measure.id) == col(Escalation.measure_id))
        .outerjoin(DispatchRound, col(DispatchRound.id) == col(Escalation.dispatch_round_id))
        .outerjoin(PetitionCase, col(PetitionCase.id) == col(Escalation.petition_case_id))
        .where(
            col(Escalation.id) == escalation_id,
            col(Escalation.round_id) == job.round_id,
            scope_clause(col(Escalation.org_path), job),
        )
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise EscalationNotFound(f"escalation {escalation_id} is not in this round and scope / 督办事项不存在")
    (signed_by, trigger, leader, level, state, doc_no, reason, due, issued_at, round_name, _, addressee, *rest) = row
    issue_seq, issue_text, measure_seq, measure_text, period, intake_no, petition_content, reference, letter = rest
    letter = letter or {}
    listed = [int(m) for m in (trigger or {}).get("measures") or []]
    measures: tuple[tuple[int | None, str], ...] = ()
    if listed:
        found = await session.execute(
            select(col(Measure.seq), col(Measure.text))
            .where(col(Measure.id).in_(listed))
            .order_by(col(Measure.position))
        )
        measures = tuple((seq, text) for seq, text in found.all())
    return EscalationNotice(
        escalation_id=escalation_id,
        level=Level(level),
        state=state,
        doc_no=doc_no,
        round_name=round_name,
        office=signed_by,
        addressee=addressee,
        reason=reason,
        as_of=job.as_of or today(),
        issue_seq=issue_seq,
        issue_description=issue_text,
        measure_seq=measure_seq,
        measure_text=measure_text,
        dispatch_period=period,
        response_due=due,
        issued_on=issued_at.astimezone(CHINA_TZ).date() if issued_at is not None else None,
        petition_intake_no=intake_no,
        petition_content=petition_content,
        measures=measures,
        cc=cc_line(leader),
        reference=reference,
        summons=Summons.from_json(letter.get("summons")),
        requirements=tuple(letter.get("requirements") or ()),
        template=await load_choice(session, "escalation_notice", job),
    )


def render(notice: EscalationNotice, fmt: ReportFormat) -> bytes:
    if fmt == ReportFormat.md:
        return render_notice_md(notice)
    if fmt == ReportFormat.docx:
        return render_notice_docx(notice)
    if fmt == ReportFormat.pdf:
        return render_notice_pdf(notice)
    if fmt == ReportFormat.ofd:
        return render_notice_ofd(notice)
    raise ValueError(f"an escalation notice is not rendered as {fmt}")


KIND = register(
    Kind(
        name="escalation_notice",
        formats=frozenset({ReportFormat.md, ReportFormat.docx, ReportFormat.pdf, ReportFormat.ofd}),
        load=load_notice,
        render=render,
        file_name=lambda notice, fmt: notice_file_name(notice, fmt.value),
    )
)
