"""Import jobs, second step: the previewed file written into the ledger, all of it or nothing, in
the caller's one transaction, audited as one act with the file's SHA-256."""

from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import (
    ImportJob,
    InspectionRound,
    Issue,
    IssueOrg,
    IssueStatusChange,
    Measure,
    MeasureStatusChange,
    Org,
    OutboxEvent,
    ProgressReport,
)
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..calendar.service import DeadlineSetting
from ..core.error_catalogue import INVALID_INPUT
from ..core.errors import not_found
from ..issues import repository as issues_repo
from ..issues.deadlines import apply_deadline
from ..issues.links import MEASURE_ROLE, sync_measure_links
from ..issues.measures import measure_values, new_measure, record_measure_status, status_change_values
from ..issues.service import record_status_change, set_issue_orgs
from ..issues.status_change import org_link_values
from ..orgs import repository as orgs_repo
from ..orgs import service as orgs_service
from ..orgs.schemas import OrgCreate
from ..outbox.writer import event_values, record_event
from . import codec
from .bulk import Rows, insert_returning_ids
from .errors import IMPORT_STALE, ORGS_UNMATCHED
from .history import measure_day, move_status, progress_values
from .plan import MeasurePlan, ProblemPlan
from .preview import office_round, plan_for, rejected
from .repository import remembered_mapping
from .rows import CellError, ProblemRow


async def apply_job(
    session: AsyncSession,
    principal: Principal,
    round_id: int,
    job_id: int,
    mapping: dict[str, int],
    create_orgs: dict[str, tuple[int, Any]] | None = None,
) -> ImportJob:
    rnd = await office_round(session, principal, round_id)
    job = await session.get(ImportJob, job_id, with_for_update=True)
    if job is None or job.round_id != round_id:
        raise not_found("导入任务", "Import job")
    if job.state == "applied":
        return job  # applying the same job again changes nothing
    mapping = dict(mapping)
    for text, (parent_id, kind) in (create_orgs or {}).items():
        # created only on the office's word, named as the file writes it (rolled back with the rest)
        org = await orgs_service.create(
            session, principal, OrgCreate(name=text.strip()[:200], kind=kind, parent_id=parent_id)
        )
        assert org.id is not None
        mapping[text] = org.id
    rows = [codec.load(r) for r in job.rows or []]
    columns = set((job.options or {}).get("columns") or [])
    errors: list[CellError] = []
    plans, index, ledger = await plan_for(session, principal, rnd, rows, columns, mapping, errors)
    previewed = (job.options or {}).get("ledger_fingerprint")
    if previewed is not None and previewed != ledger:
        raise IMPORT_STALE.error(details=[{"field": "path.job_id", "reason": "stale preview: upload the file again"}])
    bad_ids = sorted({v for v in mapping.values() if v not in index.by_id})
    if bad_ids:
        raise INVALID_INPUT.error(
            message="对应单位不存在或不在管辖范围内",
            message_en="A mapped org does not exist in your scope",
            details=[{"field": "body.org_mapping", "reason": f"no such org: {i}"} for i in bad_ids],
        )
    unmatched = sorted({m.text for p in plans for _, m in p.matches if m.org is None})
    if unmatched:
        raise ORGS_UNMATCHED.error(
            len_unmatched=len(unmatched),
            join_unmatched="、".join(unmatched),
            details=[{"field": "body.org_mapping", "reason": t} for t in unmatched],
        )
    if errors:
        raise rejected(errors)
    opened_text = (job.options or {}).get("opened_on")
    opened = date.fromisoformat(opened_text) if opened_text else None
    created = updated = 0
    touched: list[int] = []
    creates = [p for p in plans if p.action == "create"]
    for start in range(0, len(creates), CREATE_CHUNK):
        touched += await _create_all(session, principal, rnd, creates[start : start + CREATE_CHUNK], opened)
    created = len(creates)
    for p in plans:
        if p.action == "update":
            assert p.existing is not None
            await _update(session, principal, p, opened)
            updated += 1
            touched.append(p.existing.issue.id or 0)
    unchanged = sum(1 for p in plans if p.action == "unchanged")
    now = utcnow()
    job.state, job.applied_by, job.applied_at = "applied", principal.name, now
    document = (job.preview or {}).get("document")
    if document:  # the 整改方案's own header, kept on the round
        rnd.plan_document = {**document, "sha256": job.sha256}
        rnd.updated_at = now
    job.result = {"created": created, "updated": updated, "unchanged": unchanged, "issue_ids": touched}
    job.preview = {**(job.preview or {}), "org_mapping": {**await remembered_mapping(session, round_id), **mapping}}
    assert job.id is not None
    await record_audit(
        session,
        principal,
        "import.applied",
        "import_job",
        job.id,
        before=None,
        after={
            "round_id": round_id,
            "filename": job.filename,
            "sha256": job.sha256,
            "size_bytes": job.size_bytes,
            **job.result,
            "org_mapping": mapping,
        },
        org_path=rnd.org_path,
    )
    return job


def _setting(d: Any) -> DeadlineSetting:
    if d is None:
        return DeadlineSetting(None, None, False)
    rule = d.rule if d.rule else ({"kind": "date"} if d.deadline else None)
    return DeadlineSetting(d.deadline, rule, d.provisional, d.text[:200] or None, d.precision)


def _new_measures(
    issue: Issue,
    fallback: Org,
    plans: list[MeasurePlan],
    opened: date | None,
    now: datetime,
    first_position: int = 1,
) -> list[tuple[Measure, MeasurePlan]]:
    """The file's new measures of one problem (a new problem's, or those added to one already in the
    ledger), added to the session: the caller flushes once for many, then `_first_statuses`."""
    assert issue.id is not None
    added: list[tuple[Measure, MeasurePlan]] = []
    for offset, mp in enumerate(plans):
        org = mp.org or fallback
        assert org.id is not None
        m = new_measure(
            issue.id,
            position=first_position + offset,
            seq=mp.seq,
            text=mp.text,
            org_id=org.id,
            org_path=org.path,
            setting=_setting(mp.deadline),
            status=MeasureStatus.not_started,
            occurred_on=opened,
            now=now,
        )
        added.append((m, mp))
    return added


def _first_statuses(
    session: AsyncSession,
    principal: Principal,
    row: ProblemRow,
    added: list[tuple[Measure, MeasurePlan]],
    opened: date | None,
) -> None:
    """Each new measure from 未启动 on the day the problem was assigned, then to the file's status on
    the day the file gives (`measure_day`)."""
    first_day = opened or today()
    for m, mp in added:
        record_measure_status(session, m, MeasureStatus.not_started, principal.name, "导入", first_day, initial=True)
        if mp.status is not None and mp.status != MeasureStatus.not_started:
            record_measure_status(session, m, mp.status, principal.name, "导入", measure_day(row, mp))


#: new problems written per batch (see `_create_all`)
CREATE_CHUNK = 200


async def _create_all(
    session: AsyncSession, principal: Principal, rnd: InspectionRound, plans: list[ProblemPlan], opened: date | None
) -> list[int]:
    """A batch of new problems: the problems flushed as objects (their status moves below), then
    their measures in one INSERT … RETURNING, then their links, status history, progress and events
    as values, one INSERT per table (`bulk.Rows`). Row by row, 2,000 problems took 89 s to apply
    (one flush each), then ~45 s (~57,000 ORM objects); batches keep memory to a batch's worth."""
    assert rnd.id is not None
    now = utcnow()
    issues: list[Issue] = []
    for p in plans:
        row, lead = p.row, p.lead
        assert lead is not None and lead.id is not None
        setting = _setting(row.deadline)
        issues.append(
            Issue(
                round_id=rnd.id,
                seq=row.seq,
                display_no=row.display_no or None,
                category=row.category,
                description=row.description,
                goal=row.goal,
                lead_org_id=lead.id,
                org_path=lead.path,
                responsible_leader=row.leader,
                deadline=setting.deadline,
                original_deadline=setting.deadline,
                deadline_rule=setting.rule,
                deadline_provisional=setting.provisional,
                deadline_text=setting.text,
                deadline_precision=setting.precision,
                long_term=bool(row.deadline and row.deadline.long_term),
                status=IssueStatus.not_started,
                occurred_on=opened,
                created_at=now,
                updated_at=now,
            )
        )
    session.add_all(issues)
    await session.flush()
    measure_rows: list[dict[str, Any]] = []
    measure_plans: list[tuple[ProblemRow, MeasurePlan]] = []
    for issue, p in zip(issues, plans, strict=True):
        assert issue.id is not None and p.lead is not None
        for offset, mp in enumerate(p.measures):
            org = mp.org or p.lead
            assert org.id is not None
            # born in the status the file gives (its history rows below: 未启动 first, then that)
            status = mp.status if mp.status is not None else MeasureStatus.not_started
            measure_rows.append(
                measure_values(
                    issue.id,
                    position=1 + offset,
                    seq=mp.seq,
                    text=mp.text,
                    org_id=org.id,
                    org_path=org.path,
                    setting=_setting(mp.deadline),
                    status=status,
                    occurred_on=opened,
                    now=now,
                )
            )
            measure_plans.append((p.row, mp))
    measure_ids = await insert_returning_ids(session, Measure, measure_rows, ("issue_id", "position"))
    rows = Rows()
    first_day = opened or today()
    for issue, p in zip(issues, plans, strict=True):
        assert issue.id is not None and p.lead is not None
        rows.add(IssueStatusChange, _first_issue_status(issue.id, principal.name, now, opened))
        # the 责任单位 as the file writes them, the lead among them when it is listed (a unit named
        # twice, e.g. by its full and its short name, is linked once)
        rows.extend(IssueOrg, org_link_values(issue.id, p.lead, p.responsible))
        # a measure falling back to the lead needs no link: the lead reads its problem already
        for org in {mp.org.id: mp.org for mp in p.measures if mp.org is not None}.values():
            rows.add(IssueOrg, {"issue_id": issue.id, "org_id": org.id, "role": MEASURE_ROLE, "org_path": org.path})
    for measure_id, (row, mp) in zip(measure_ids, measure_plans, strict=True):
        # each new measure from 未启动 on the day the problem was assigned, then to the file's
        # status on the day the file gives (`measure_day`)
        rows.add(
            MeasureStatusChange,
            status_change_values(measure_id, None, MeasureStatus.not_started, principal.name, now, "导入", first_day),
        )
        if mp.status is not None and mp.status != MeasureStatus.not_started:
            day = measure_day(row, mp)
            rows.add(
                MeasureStatusChange,
                status_change_values(
                    measure_id, MeasureStatus.not_started, mp.status, principal.name, now, "导入", day
                ),
            )
    for issue, p in zip(issues, plans, strict=True):
        row, lead = p.row, p.lead
        assert issue.id is not None and lead is not None
        rows.add(
            OutboxEvent,
            event_values(
                EventType.issue_created,
                "issue",
                issue.id,
                ev.IssueCreated(
                    id=issue.id,
                    round_id=rnd.id,
                    seq=issue.seq,
                    status=issue.status,
                    deadline=issue.deadline.isoformat() if issue.deadline else None,
                    lead_org_id=issue.lead_org_id,
                ),
                org_path=lead.path,
            ),
        )
        rows.extend(ProgressReport, progress_values(principal, issue, lead, p.new_progress, now))
        if row.status:
            move_status(rows, principal, issue, IssueStatus(row.status), row, now)
            if issue.status == IssueStatus.in_progress:
                issue.on_schedule = row.on_schedule
    await session.flush()  # the problems' moved statuses
    await rows.write(session)
    return [i.id or 0 for i in issues]


def _first_issue_status(issue_id: int, actor: str, now: datetime, opened: date | None) -> dict[str, Any]:
    return {
        "issue_id": issue_id,
        "from_status": None,
        "to_status": IssueStatus.not_started,
        "changed_by": actor,
        "changed_at": now,
        "reason": "导入",
        "occurred_on": opened,
    }


async def _update(session: AsyncSession, principal: Principal, p: ProblemPlan, opened: date | None) -> None:
    assert p.existing is not None
    issue, row, now = p.existing.issue, p.row, utcnow()
    c = p.changes
    for name in ("category", "description", "goal"):
        if name in c:
            setattr(issue, name, c[name][1])
    if "responsible_leader" in c:
        old = issue.responsible_leader or {}
        issue.responsible_leader = (
            {**old, **(row.leader or {})} if old.get("name") == (row.leader or {}).get("name") else row.leader
        )
    lead = p.lead or await orgs_repo.get(session, issue.lead_org_id)
    assert lead is not None
    if "lead_org_id" in c or "responsible_org_ids" in c:
        issue.lead_org_id, issue.org_path = lead.id or 0, lead.path
        responsible = (
            p.responsible
            if "responsible_org_ids" in c
            else list((await orgs_repo.get_many(session, p.existing.responsible_ids)).values())
        )
        await set_issue_orgs(session, issue, lead, responsible)
    if "deadline" in c:
        apply_deadline(session, "issue", issue, _setting(row.deadline), "导入台账", principal.name)
    if "deadline_text" in c:  # reworded, the same date: the wording and its precision, no deadline change
        setting = _setting(row.deadline)
        issue.deadline_text, issue.deadline_precision = setting.text, setting.precision
    if "display_no" in c:
        issue.display_no = c["display_no"][1]
    if "long_term" in c:
        issue.long_term = c["long_term"][1]
    session.add_all([ProgressReport(**v) for v in progress_values(principal, issue, lead, p.new_progress, now)])
    added = [mp for mp in p.measures if mp.existing is None]
    if added:  # after every position taken, withdrawn measures' included
        assert issue.id is not None
        first, _ = await issues_repo.next_measure_numbers(session, issue.id)
        new = _new_measures(issue, lead, added, opened, now, first)
        session.add_all([m for m, _ in new])
        await session.flush()
        _first_statuses(session, principal, row, new, opened)
    links_moved = any(mp.existing is None for mp in p.measures)
    for mp in p.measures:
        m, mc = mp.existing, mp.changes
        if m is None or not mc:
            continue
        if "seq" in mc:
            m.seq = mp.seq
        if "text" in mc:
            m.text = mp.text
        if "responsible_org_id" in mc and mp.org is not None:
            m.responsible_org_id, m.org_path = mp.org.id, mp.org.path
            links_moved = True
        if "deadline" in mc:
            apply_deadline(session, "measure", m, _setting(mp.deadline), "导入台账", principal.name)
        if "deadline_text" in mc:
            setting = _setting(mp.deadline)
            m.deadline_text, m.deadline_precision = setting.text, setting.precision
        if "status" in mc and mp.status is not None:
            day = row.completed_on if mp.status == MeasureStatus.completed and row.completed_on else today()
            record_measure_status(session, m, mp.status, principal.name, "导入台账", day)
        m.updated_at = now
    if links_moved:  # whoever answers for a measure reads its problem
        assert issue.id is not None
        await sync_measure_links(session, issue.id)
    if "status" in c:
        target = IssueStatus(c["status"][1])
        done = (
            row.completed_on
            if target in (IssueStatus.completed, IssueStatus.completed_long_term, IssueStatus.closed)
            else None
        )
        record_status_change(session, issue, target, principal.name, "导入台账", now, occurred_on=done)
    if "on_schedule" in c and issue.status == IssueStatus.in_progress:
        issue.on_schedule = c["on_schedule"][1]
    issue.updated_at = now
    assert issue.id is not None
    record_event(
        session,
        EventType.issue_updated,
        "issue",
        issue.id,
        ev.IssueUpdated(
            id=issue.id,
            round_id=issue.round_id,
            seq=issue.seq,
            status=issue.status,
            deadline=issue.deadline.isoformat() if issue.deadline else None,
            lead_org_id=issue.lead_org_id,
            fields=sorted(c),
        ),
        org_path=issue.org_path,
    )
