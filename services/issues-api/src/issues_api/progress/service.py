from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import core_execute
from rectify_shared.enums import IssueStatus
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.history import day_of
from rectify_shared.ids import new_id
from rectify_shared.models import Issue, Measure, ProgressReport
from rectify_shared.models.types import utcnow

from ..attachments import repository as attachment_rows
from ..attachments import service as attachments
from ..attachments.privacy import hidden_report_ids
from ..attachments.schemas import AttachmentBrief
from ..auth.principal import Principal, Role
from ..core.errors import invalid, not_found
from ..dispatch import repository as dispatch
from ..issues import repository as issues
from ..issues.history import occurred_on_checked, unit_may_not_date
from ..issues.measures import start_on_report
from ..long_term.relapse import record_relapse
from ..long_term.schemas import RelapseCreate
from ..orgs import repository as orgs
from ..orgs.schemas import OrgRef
from ..outbox.change import record_change
from . import repository
from .errors import WITHDRAWN
from .schemas import ProgressCreate, ProgressRead

_INSERT_REPORT = insert(ProgressReport.__table__)  # type: ignore[attr-defined]


async def _report(
    session: AsyncSession, issue: Issue, measure: Measure | None, data: ProgressCreate, principal: Principal
) -> ProgressRead:
    actor = principal.name
    assert issue.id is not None
    if issue.withdrawn_at is not None or (measure is not None and measure.withdrawn_at is not None):
        raise WITHDRAWN.error()
    # a unit reports as itself; the office may report for any org in its subtree
    default = principal.org_id if principal.role == Role.unit_operator else None
    org_id = data.reporting_org_id or default or (measure.responsible_org_id if measure else None) or issue.lead_org_id
    org = await orgs.brief(session, org_id) if org_id is not None else None
    if org is None or not principal.scope.contains(org.path):
        raise invalid(
            "body.reporting_org_id",
            "no such org in your scope",
            "报送单位不存在或不在管辖范围内",
            "Reporting org does not exist in your scope",
        )
    if principal.role != Role.office_admin:
        # a unit's own report is dated by the server: a late report cannot make itself on time
        for name in ("reported_at", "occurred_on"):
            if getattr(data, name) is not None:
                raise unit_may_not_date(f"body.{name}")
    if data.reported_at is not None and data.reported_at.tzinfo is None:
        raise invalid("body.reported_at", "needs a time zone", "报送时间须带时区", "reported_at needs a time zone")
    # every photo checked before anything is written: one foreign id and the report is not filed
    evidence = list(dict.fromkeys(data.attachment_ids))
    for aid in evidence:
        await attachments.check_visible(session, principal, aid, "body.attachment_ids")
    now = utcnow()
    if data.reported_at is not None and data.reported_at > now:
        raise invalid("body.reported_at", "in the future", "报送时间不能晚于当前时间", "reported_at is in the future")
    reported_at = data.reported_at or now
    given_day = data.occurred_on or (day_of(None, reported_at) if data.reported_at else None)
    occurred_on = await occurred_on_checked(session, principal, issue.round_id, given_day)
    # the row goes in as one Core INSERT (built once): a SQLModel table instance costs more to build
    # and to flush than the statement; `report` is a detached copy for what follows
    values = dict(
        id=new_id(),
        created_at=now,
        issue_id=issue.id,
        measure_id=measure.id if measure else None,
        text=data.text,
        reporting_org_id=org.id,
        org_path=org.path,
        reported_at=reported_at,
        reported_by=actor,
        occurred_on=occurred_on,
    )
    await core_execute(session, _INSERT_REPORT, values)
    report = ProgressReport.model_construct(**values)
    issue.updated_at = now
    # the report answers every dispatch round of this inspection round the unit still owes
    # (lateness is the server's time, whatever day the report is about)
    await dispatch.fulfil(session, issue.round_id, org.id, report.id, now)
    answering = (measure.responsible_org_id if measure else None) or issue.lead_org_id
    if principal.role == Role.office_admin or org.id == answering:
        await start_on_report(session, issue, measure, principal, occurred_on)
    elif issue.status == IssueStatus.not_started:
        await start_on_report(session, issue, None, principal, occurred_on)
    await record_change(
        session,
        principal,
        EventType.progress_reported,
        "progress_report",
        report.id,
        data=ev.ProgressReported(
            id=report.id,
            issue_id=issue.id,
            measure_id=report.measure_id,
            reporting_org_id=org.id,
            reported_at=report.reported_at.isoformat(),
        ),
        after={
            "occurred_on": occurred_on.isoformat(),
            "issue_id": issue.id,
            "measure_id": report.measure_id,
            "text": report.text,
            "reporting_org_id": org.id,
            "reported_at": report.reported_at.isoformat(),
        },
        org_path=org.path,
    )
    for aid in evidence:
        await attachments.attach(session, principal, aid, "progress_report", report.id, issue.id, issue.org_path)
    if data.relapse:
        await _relapse(session, issue, report, principal)
    briefs = (await attachments_of(session, [report.id])).get(report.id, []) if evidence else []
    return ProgressRead(
        id=report.id,
        issue_id=issue.id,
        measure_id=report.measure_id,
        text=report.text,
        reporting_org=OrgRef(id=org.id, name=org.name),
        reported_at=report.reported_at,
        reported_by=actor,
        created_at=now,
        attachments=briefs,
    )


async def attachments_of(session: AsyncSession, report_ids: list[int]) -> dict[int, list[AttachmentBrief]]:
    """report id -> the evidence linked to it, for a page of reports in one query."""
    rows = await attachment_rows.briefs_of_targets(session, "progress_report", report_ids)
    return {
        rid: [
            AttachmentBrief(
                id=r.id,
                filename=r.filename,
                file_type=r.file_type,
                media_type=r.media_type,
                size=r.size,
                sha256=r.sha256,
            )
            for r in found
        ]
        for rid, found in rows.items()
    }


async def read_one(session: AsyncSession, report_id: int, principal: Principal) -> ProgressRead:
    """One progress report the caller sees (its problem is in scope; a withdrawn report is gone)."""
    report = await repository.get(session, report_id)
    if report is None or report.withdrawn_at is not None:
        raise not_found("整改进展", "Progress report")
    if await issues.get(session, report.issue_id, principal.scope) is None:
        raise not_found("整改进展", "Progress report")
    if await hidden_report_ids(session, principal, [report_id]):  # another unit's measure, kept apart
        raise not_found("整改进展", "Progress report")
    org = await orgs.get(session, report.reporting_org_id)
    assert report.id is not None and org is not None and org.id is not None
    return ProgressRead(
        id=report.id,
        issue_id=report.issue_id,
        measure_id=report.measure_id,
        text=report.text,
        reporting_org=OrgRef(id=org.id, name=org.name),
        reported_at=report.reported_at,
        reported_by=report.reported_by,
        created_at=report.created_at,
        attachments=(await attachments_of(session, [report.id])).get(report.id, []),
    )


async def _relapse(session: AsyncSession, issue: Issue, report: ProgressReport, principal: Principal) -> None:
    assert issue.id is not None
    locked = await issues.get(session, issue.id, principal.scope, for_update=True)
    assert locked is not None
    source = RelapseCreate.model_construct(
        reason=report.text,
        source="progress_report",
        progress_report_id=report.id,
        petition_case_id=None,
        source_detail=None,
    )
    await record_relapse(session, principal, locked, source)


async def report_on_measure(
    session: AsyncSession, measure_id: int, data: ProgressCreate, principal: Principal
) -> ProgressRead:
    measure = await issues.get_measure(session, measure_id, principal.scope)
    if measure is None:
        raise not_found("整改措施", "Measure")
    issue = await issues.get(session, measure.issue_id, principal.scope)
    assert issue is not None
    return await _report(session, issue, measure, data, principal)


async def report_on_issue(
    session: AsyncSession, issue_id: int, data: ProgressCreate, principal: Principal
) -> ProgressRead:
    issue = await issues.get(session, issue_id, principal.scope)
    if issue is None:
        raise not_found("问题", "Issue")
    return await _report(session, issue, None, data, principal)
