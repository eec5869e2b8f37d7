from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import bound, dialect_of, insert_of, write
from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.history import day_of
from rectify_shared.ids import new_id
from rectify_shared.models import Issue, ProgressReport
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
from ..outbox.change import Change, record_changes
from . import repository
from .errors import WITHDRAWN
from .repository import TargetRow
from .schemas import ProgressCreate, ProgressRead

_INSERT_REPORT = insert_of(
    ProgressReport.__table__,  # type: ignore[attr-defined]
    ("id", "created_at", "issue_id", "measure_id", "text", "reporting_org_id", "org_path", "reported_at",
     "reported_by", "occurred_on"),
)  # fmt: skip
_ISSUE = Issue.__table__  # type: ignore[attr-defined]
_TOUCH_ISSUE = (
    update(_ISSUE)
    .where(_ISSUE.c.id == bindparam("b_touch_issue_id"))
    .values(updated_at=bindparam("b_now", type_=_ISSUE.c.updated_at.type))
)
#: PostgreSQL: the report inserted, its problem touched and the dispatch rounds it answers
#: fulfilled by one statement (the two UPDATEs data-modifying CTEs of the INSERT, as the audit
#: append's): one round trip where there were three, each of which cost the process a socket
#: write, a wake-up and a read (bench/, py-spy). Elsewhere (SQLite) the three statements.
_FILE_REPORT = _INSERT_REPORT.add_cte(_TOUCH_ISSUE.cte("touched")).add_cte(dispatch.FULFIL.cte("fulfilled"))


async def _report(session: AsyncSession, target: TargetRow, data: ProgressCreate, principal: Principal) -> ProgressRead:
    """File a report on `target` (`repository.target`: the measure or the problem as a whole, the
    reporting org). The common report (on work already started, no relapse) reads and writes
    columns only; the problem and its measure are loaded as entities only when the report
    starts them (their status moves, with the dashboard's counts, through the ORM)."""
    actor = principal.name
    issue_id: int = target.issue_id
    measure_id: int | None = target.measure_id
    if target.issue_withdrawn_at is not None or target.measure_withdrawn_at is not None:
        raise WITHDRAWN.error()
    # a unit reports as itself; the office may report for any org in its subtree (the target's
    # org: the one asked for, else the unit's own, else the measure's responsible or the lead org)
    if target.org_id is None or not principal.scope.contains(target.org_path):
        raise invalid(
            "body.reporting_org_id",
            "no such org in your scope",
            "报送单位不存在或不在管辖范围内",
            "Reporting org does not exist in your scope",
        )
    org_id: int = target.org_id
    if principal.role != Role.office_admin:
        # a unit's own report is dated by the server: a late report cannot make itself on time
        for name in ("reported_at", "occurred_on"):
            if getattr(data, name) is not None:
                raise unit_may_not_date(f"body.{name}")
    if data.reported_at is not None and data.reported_at.tzinfo is None:
        raise invalid("body.reported_at", "needs a time zone", "报送时间须带时区", "reported_at needs a time zone")
    # every photo checked before anything is written: one foreign id and the report is not filed
    evidence = list(dict.fromkeys(data.attachment_ids))
    briefs = [await attachments.visible_brief(session, principal, aid, "body.attachment_ids") for aid in evidence]
    now = utcnow()
    if data.reported_at is not None and data.reported_at > now:
        raise invalid("body.reported_at", "in the future", "报送时间不能晚于当前时间", "reported_at is in the future")
    reported_at = data.reported_at or now
    given_day = data.occurred_on or (day_of(None, reported_at) if data.reported_at else None)
    occurred_on = await occurred_on_checked(session, principal, target.round_id, given_day)
    # the row goes in as one Core INSERT (built once): a SQLModel table instance costs more to build
    # and to flush than the statement
    report_id = new_id()
    row = bound(
        dict(
            id=report_id,
            created_at=now,
            issue_id=issue_id,
            measure_id=measure_id,
            text=data.text,
            reporting_org_id=org_id,
            org_path=target.org_path,
            reported_at=reported_at,
            reported_by=actor,
            occurred_on=occurred_on,
        )
    )
    # `updated_at` counts for nothing on the dashboard (stats_tally.COUNTED): no entity needed
    touch = {"b_touch_issue_id": issue_id, "b_now": now}
    # the report answers every dispatch round of this inspection round the unit still owes
    # (lateness is the server's time, whatever day the report is about)
    fulfil = dispatch.fulfil_params(target.round_id, org_id, report_id, now)
    if dialect_of(session).name == "postgresql":
        await write(session, _FILE_REPORT, row | touch | fulfil)
    else:
        await write(session, _INSERT_REPORT, row)
        await write(session, _TOUCH_ISSUE, touch)
        await dispatch.fulfil(session, target.round_id, org_id, report_id, now)
    answering = target.responsible_org_id or target.lead_org_id
    starts_measure = target.measure_status == MeasureStatus.not_started and (
        principal.role == Role.office_admin or org_id == answering
    )
    if starts_measure or target.issue_status == IssueStatus.not_started:
        issue = await issues.get(session, issue_id, principal.scope)
        measure = (
            await issues.get_measure(session, measure_id, principal.scope) if measure_id and starts_measure else None
        )
        assert issue is not None and (measure is not None or not starts_measure)
        await start_on_report(session, issue, measure, principal, occurred_on)
    # the evidence links, then the report's change and theirs in that order: one INSERT of their
    # outbox events, one append of their audit records (one lock and one advance of the chain)
    linked, link_changes = await attachments.link_to_new(
        session, principal, evidence, "progress_report", report_id, issue_id, target.issue_org_path
    )
    reported = Change(
        EventType.progress_reported,
        "progress_report",
        report_id,
        ev.ProgressReported(
            id=report_id,
            issue_id=issue_id,
            measure_id=measure_id,
            reporting_org_id=org_id,
            reported_at=reported_at.isoformat(),
        ),
        target.org_path,
        after={
            "occurred_on": occurred_on.isoformat(),
            "issue_id": issue_id,
            "measure_id": measure_id,
            "text": data.text,
            "reporting_org_id": org_id,
            "reported_at": reported_at.isoformat(),
        },
    )
    await record_changes(session, principal, [reported, *link_changes])
    if data.relapse:
        await _relapse(session, issue_id, report_id, data.text, principal)
    # the evidence as `attachments_of` reads it back: in the order linked (then by id)
    order = sorted(range(len(briefs)), key=lambda n: (linked[n], briefs[n].id))
    return ProgressRead(
        id=report_id,
        issue_id=issue_id,
        measure_id=measure_id,
        text=data.text,
        reporting_org=OrgRef(id=org_id, name=target.org_name),
        reported_at=reported_at,
        reported_by=actor,
        created_at=now,
        attachments=[_brief(briefs[n]) for n in order],
    )


def _brief(r: Any) -> AttachmentBrief:
    return AttachmentBrief(
        id=r.id, filename=r.filename, file_type=r.file_type, media_type=r.media_type, size=r.size, sha256=r.sha256
    )


async def attachments_of(session: AsyncSession, report_ids: list[int]) -> dict[int, list[AttachmentBrief]]:
    """report id -> the evidence linked to it, for a page of reports in one query."""
    rows = await attachment_rows.briefs_of_targets(session, "progress_report", report_ids)
    return {rid: [_brief(r) for r in found] for rid, found in rows.items()}


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


async def _relapse(session: AsyncSession, issue_id: int, report_id: int, text: str, principal: Principal) -> None:
    locked = await issues.get(session, issue_id, principal.scope, for_update=True)
    assert locked is not None
    source = RelapseCreate.model_construct(
        reason=text,
        source="progress_report",
        progress_report_id=report_id,
        petition_case_id=None,
        source_detail=None,
    )
    await record_relapse(session, principal, locked, source)


async def report_on_measure(
    session: AsyncSession, measure_id: int, data: ProgressCreate, principal: Principal
) -> ProgressRead:
    target = await repository.target(session, measure_id, None, principal.scope, _asked_org(data, principal))
    if target is None:
        raise not_found("整改措施", "Measure")
    return await _report(session, target, data, principal)


async def report_on_issue(
    session: AsyncSession, issue_id: int, data: ProgressCreate, principal: Principal
) -> ProgressRead:
    target = await repository.target(session, None, issue_id, principal.scope, _asked_org(data, principal))
    if target is None:
        raise not_found("问题", "Issue")
    return await _report(session, target, data, principal)


def _asked_org(data: ProgressCreate, principal: Principal) -> int | None:
    """The reporting org the request names, else a unit's own (None: the target's default)."""
    return data.reporting_org_id or (principal.org_id if principal.role == Role.unit_operator else None)
