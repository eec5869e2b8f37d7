"""`closure_notice` (销号公示; md, docx, pdf, ofd) and `closure_form` (销号审批表; md, docx, pdf, ofd): the
documents of one closure.

The job names the closure in `params["closure_id"]`; it must belong to the job's round and its
task must lie in the job's scope (lead or responsible org), whatever a job row says.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import reviewer_id
from rectify_shared.enums import REPORT_FORMATS, ReportFormat, ReportKind
from rectify_shared.history import day_of, latest_first, step_day
from rectify_shared.models import (
    Closure,
    ClosureObjection,
    ClosureStep,
    InspectionRound,
    Issue,
    IssueOrg,
    Measure,
    Org,
    ProgressReport,
)
from rectify_shared.timezone import CHINA_TZ, today

from ..render import gongwen
from ..render.closure_documents import (
    ClosureDossier,
    Opinion,
    form_drawn,
    form_file_name,
    form_title,
    notice_drawn,
    notice_file_name,
    notice_title,
)
from ..render.wording import measure_label
from ..templating import gongwen_blocks, load_choice
from . import Kind, register
from .escalation_notice import job_param, scope_clause


class ClosureNotFound(LookupError):
    pass


def china_day(at: datetime | None) -> date | None:
    return at.astimezone(CHINA_TZ).date() if at is not None else None


async def load_dossier(session: AsyncSession, job: Any) -> ClosureDossier:
    closure_id = job_param(job, "closure_id")
    in_scope = exists().where(
        col(IssueOrg.issue_id) == col(Closure.issue_id), scope_clause(col(IssueOrg.org_path), job)
    )
    closure = (
        await session.execute(
            select(Closure).where(col(Closure.id) == closure_id, col(Closure.round_id) == job.round_id, in_scope)
        )
    ).scalar_one_or_none()
    if closure is None:
        raise ClosureNotFound(f"closure {closure_id} is not in this round and scope / 销号申请不存在")
    issue = await session.get(Issue, closure.issue_id)
    rnd = await session.get(InspectionRound, closure.round_id)
    assert issue is not None and rnd is not None
    responsible = (
        (
            await session.execute(
                select(col(IssueOrg.org_id))
                .where(col(IssueOrg.issue_id) == issue.id, col(IssueOrg.role) == "responsible")
                .order_by(col(IssueOrg.org_id))
            )
        )
        .scalars()
        .all()
    )
    measures = (
        (
            await session.execute(
                select(Measure)
                .where(col(Measure.issue_id) == issue.id, col(Measure.withdrawn_at).is_(None))
                .order_by(col(Measure.position))
            )
        )
        .scalars()
        .all()
    )
    latest = (
        (
            await session.execute(
                select(ProgressReport)
                .where(col(ProgressReport.issue_id) == issue.id, col(ProgressReport.withdrawn_at).is_(None))
                .order_by(
                    *latest_first(
                        col(ProgressReport.occurred_on), col(ProgressReport.reported_at), col(ProgressReport.id)
                    )
                )
                .limit(1)
            )
        )
        .scalars()
        .first()
    )
    steps = (
        (
            await session.execute(
                select(ClosureStep).where(col(ClosureStep.closure_id) == closure_id).order_by(col(ClosureStep.id))
            )
        )
        .scalars()
        .all()
    )
    names = await _org_names(session, closure, issue, rnd, steps)
    objections = (
        await session.execute(
            select(func.count(), func.count().filter(col(ClosureObjection.decision) == "upheld")).where(
                col(ClosureObjection.closure_id) == closure_id
            )
        )
    ).one()
    review, levels, write_off = opinions(steps, closure, names, issue.lead_org_id)
    template = await load_choice(session, ReportKind.closure_notice.value, job)
    form_template = await load_choice(session, ReportKind.closure_form.value, job)
    return ClosureDossier(
        closure_id=closure_id,
        state=closure.state,
        round_name=rnd.name,
        office=names.get(rnd.org_id, ""),
        as_of=job.as_of or today(),
        issue_seq=issue.seq,
        issue_description=issue.description,
        goal=issue.goal,
        lead_org=names.get(issue.lead_org_id, ""),
        responsible_orgs=tuple(names.get(int(i), "") for i in responsible),
        measures=tuple(f"{measure_label(m.seq) if m.seq is not None else ''}{m.text}" for m in measures),
        statement=closure.statement,
        applicant_org=names.get(closure.applicant_org_id, ""),
        applied_on=applied_on(steps) or china_day(closure.applied_at) or today(),
        latest_progress=latest.text if latest else None,
        latest_progress_on=day_of(latest.occurred_on, latest.reported_at) if latest else None,
        review=review,
        levels=levels,
        publicity_start=closure.publicity_start,
        publicity_end=closure.publicity_end,
        publicity_days=closure.publicity_days,
        publicity_day_kind=closure.publicity_day_kind,
        medium=closure.publicity_medium,
        contact=closure.publicity_contact,
        legal_basis=closure.publicity_legal_basis,
        issuer=names.get(closure.publicity_issuer_org_id or 0, ""),
        contacts=tuple(closure.publicity_contacts or ()),
        attachment_title=closure.publicity_attachment_title,
        closing=closure.publicity_closing,
        days_shown=closure.publicity_days_shown,
        display_no=issue.display_no,
        objections=int(objections[0]),
        objections_upheld=int(objections[1]),
        write_off=write_off,
        reviewer=reviewer_name(closure, issue.lead_org_id, names),
        template=template,
        form_template=form_template,
    )


def applied_on(steps: Sequence[ClosureStep]) -> date | None:
    """The day of the current application (its last `apply` step), as it happened."""
    applied = [s for s in steps if s.action == "apply"]
    return step_day(applied[-1]) if applied else None


def reviewer_name(closure: Closure, lead_org_id: int, names: dict[int, str]) -> str:
    """The lead unit, or the first accepting org when the lead unit applied itself (as issues-api decides)."""
    return names.get(reviewer_id(closure.applicant_org_id, lead_org_id, closure.levels), "")


async def _org_names(
    session: AsyncSession, closure: Closure, issue: Issue, rnd: InspectionRound, steps: Sequence[ClosureStep]
) -> dict[int, str]:
    ids = {closure.applicant_org_id, issue.lead_org_id, rnd.org_id, *(int(lv["org_id"]) for lv in closure.levels)}
    if closure.publicity_issuer_org_id is not None:
        ids.add(closure.publicity_issuer_org_id)
    ids |= {i for s in steps for i in (s.org_id, s.actor_org_id) if i is not None}
    ids |= set(
        (await session.execute(select(col(IssueOrg.org_id)).where(col(IssueOrg.issue_id) == issue.id))).scalars()
    )
    rows = (await session.execute(select(col(Org.id), col(Org.name)).where(col(Org.id).in_(ids)))).all()
    return {int(i): name for i, name in rows}


def opinions(
    steps: Sequence[ClosureStep], closure: Closure, names: dict[int, str], issue_lead: int = 0
) -> tuple[Opinion | None, tuple[Opinion, ...], Opinion | None]:
    """The opinions of the current application (steps after the last `apply`): the lead unit's
    review, each acceptance level's (pending levels have no date), and the write-off."""
    last_apply = max((n for n, s in enumerate(steps) if s.action == "apply"), default=-1)
    current = list(steps[last_apply + 1 :])

    def opinion(step: ClosureStep, org: str) -> Opinion:
        # who signed, and for which org when an office acted for another (admin（内蒙古自治区）)
        acting = names.get(step.actor_org_id or 0, "")
        actor = f"{step.actor}（{acting}）" if acting and acting != org else step.actor
        # the day it happened (the office may record steps from before Rectify), not the day typed in
        return Opinion(org=org, actor=actor, comment=step.comment, on=step_day(step))

    review = next((s for s in current if s.action == "review" and s.to_state == "accepting"), None)
    accepted = {s.level: s for s in current if s.action == "accept"}
    levels = []
    for n, lv in enumerate(closure.levels, start=1):
        org = str(lv.get("org_name") or names.get(int(lv["org_id"]), ""))
        step = accepted.get(n)
        levels.append(opinion(step, org) if step else Opinion(org=org))
    written = next((s for s in current if s.action == "writeoff"), None)
    return (
        # the reviewing org: recorded on the step (older steps: the lead unit, who reviewed then)
        opinion(review, names.get(review.org_id or issue_lead, "")) if review else None,
        tuple(levels),
        opinion(written, "") if written else None,
    )


def render_notice(d: ClosureDossier, fmt: ReportFormat) -> bytes:
    _check(ReportKind.closure_notice, fmt)
    drawn = notice_drawn(d)
    if fmt == ReportFormat.docx and drawn.docx is not None:
        return drawn.docx  # the office's Word template, filled in
    blocks = gongwen_blocks(drawn.pieces)
    title = next((b.text for b in blocks if b.kind == "title"), notice_title(d))
    return _render(blocks, title, d, fmt)


def _check(kind: ReportKind, fmt: ReportFormat) -> None:
    if fmt not in REPORT_FORMATS[kind]:
        raise ValueError(f"a {kind.value} is not rendered as {fmt}")


def render_form(d: ClosureDossier, fmt: ReportFormat) -> bytes:
    _check(ReportKind.closure_form, fmt)
    drawn = form_drawn(d)
    if fmt == ReportFormat.docx and drawn.docx is not None:
        return drawn.docx  # the office's Word template, filled in
    blocks = gongwen_blocks(drawn.pieces)
    title = next((b.text for b in blocks if b.kind == "title"), form_title(d))
    return _render(blocks, title, d, fmt)


def _render(blocks: list[gongwen.Block], title: str, d: ClosureDossier, fmt: ReportFormat) -> bytes:
    """md, docx, pdf — and OFD (experimental), for the kinds that list it."""
    if fmt == ReportFormat.md:
        return gongwen.render_md(blocks)
    if fmt == ReportFormat.docx:
        return gongwen.render_docx(blocks, title=title, author=d.office, as_of=d.publicity_start or d.as_of)
    if fmt == ReportFormat.pdf:
        return gongwen.render_pdf(blocks, title)
    if fmt == ReportFormat.ofd:
        return gongwen.render_ofd(blocks, title=title, author=d.office, created=d.publicity_start or d.as_of)
    raise ValueError(f"a closure document is not rendered as {fmt}")


NOTICE = register(
    Kind(
        name=ReportKind.closure_notice.value,
        formats=REPORT_FORMATS[ReportKind.closure_notice],
        load=load_dossier,
        render=render_notice,
        file_name=lambda d, fmt: notice_file_name(d, fmt.value),
    )
)
FORM = register(
    Kind(
        name=ReportKind.closure_form.value,
        formats=REPORT_FORMATS[ReportKind.closure_form],
        load=load_dossier,
        render=render_form,
        file_name=lambda d, fmt: form_file_name(d, fmt.value),
    )
)
