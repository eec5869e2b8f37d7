"""Import jobs: a file previewed against the round's ledger, then applied in one transaction."""

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.ids import new_id
from rectify_shared.models import (
    ImportJob,
    InspectionRound,
    Issue,
    IssueOrg,
    IssueStatusChange,
    Measure,
    Org,
    ProgressReport,
)
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..audit.writer import record_audit
from ..auth.principal import Principal, Role
from ..calendar import repository as calendar_repo
from ..calendar.service import DeadlineSetting
from ..core.errors import ApiError, not_found
from ..issues.links import MEASURE_ROLE
from ..issues.measures import record_measure_status
from ..issues.service import _set_orgs, apply_deadline, record_status_change
from ..orgs import repository as orgs_repo
from ..orgs import service as orgs_service
from ..orgs.schemas import OrgCreate
from ..outbox.writer import record_event
from ..rounds import repository as rounds
from . import codec, guard, isolated
from .orgmatch import OrgIndex
from .plan import Existing, ProblemPlan, plan
from .rows import CellError, ProblemRow

ACTOR_SUFFIX = ""


async def office_round(session: AsyncSession, principal: Principal, round_id: int) -> InspectionRound:
    """The round, when the caller is an office admin over it (404 otherwise: not visible)."""
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None or principal.role != Role.office_admin or not principal.subtree.contains(rnd.org_path):
        raise not_found("督察轮次", "Inspection round")
    return rnd


def _refused(exc: guard.Refused | isolated.ParseFailed) -> ApiError:
    return ApiError(exc.status, exc.code, exc.zh, exc.en, [{"field": "body.file", "reason": exc.en}])


def _rejected(errors: list[CellError]) -> ApiError:
    return ApiError(
        422,
        "import_rejected",
        f"文件未导入：{len(errors)}处错误，请修改后重新上传",
        f"The file was not imported: {len(errors)} error(s); fix them and upload it again",
        [e.as_json() | {"field": "body.file"} for e in errors],
    )


async def _existing(session: AsyncSession, round_id: int) -> dict[int, Existing]:
    issues = (
        (await session.execute(select(Issue).where(Issue.round_id == round_id, col(Issue.withdrawn_at).is_(None))))
        .scalars()
        .all()
    )
    if not issues:
        return {}
    ids = [i.id for i in issues]
    links = (await session.execute(select(IssueOrg).where(col(IssueOrg.issue_id).in_(ids)))).scalars().all()
    measures = (
        (
            await session.execute(
                select(Measure)
                .where(col(Measure.issue_id).in_(ids), col(Measure.withdrawn_at).is_(None))
                .order_by(Measure.issue_id, Measure.position)
            )
        )
        .scalars()
        .all()
    )
    progress = (
        await session.execute(
            select(
                ProgressReport.issue_id, ProgressReport.measure_id, ProgressReport.occurred_on, ProgressReport.text
            ).where(col(ProgressReport.issue_id).in_(ids), col(ProgressReport.withdrawn_at).is_(None))
        )
    ).all()
    out: dict[int, Existing] = {}
    for issue in issues:
        assert issue.id is not None
        out[issue.seq] = Existing(
            issue,
            issue.lead_org_id,
            [lk.org_id for lk in links if lk.issue_id == issue.id and lk.role == "responsible"],
            [m for m in measures if m.issue_id == issue.id],
            {(None, d, t) for i, _m, d, t in progress if i == issue.id},
        )
    return out


def _org_json(o: Org | None) -> dict[str, Any] | None:
    return {"id": o.id, "name": o.name} if o is not None else None


def _jsonable(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    return v


def preview_of(plans: list[ProblemPlan], document: dict[str, Any] | None) -> dict[str, Any]:
    rows = []
    unknown: dict[str, dict[str, Any]] = {}
    for p in plans:
        orgs = []
        for role, m in p.matches:
            orgs.append({"role": role, "text": m.text, "org": _org_json(m.org), "how": m.how})
            if m.org is None:
                u = unknown.setdefault(
                    m.text,
                    {"text": m.text, "rows": [], "suggestions": [_org_json(o) for o in m.suggestions], "how": m.how},
                )
                if p.row.where.row not in u["rows"]:
                    u["rows"].append(p.row.where.row)
        d = p.row.deadline
        rows.append(
            {
                "seq": p.row.seq,
                "sheet": p.row.where.sheet,
                "row": p.row.where.row,
                "action": p.action,
                "category": p.row.category,
                "description": p.row.description[:60],
                "status": p.row.status,
                "deadline": d.as_json() if d else None,
                "completed_on": _jsonable(p.row.completed_on),
                "measures": len(p.measures),
                "progress": len(p.new_progress),
                "orgs": orgs,
                "notes": p.notes,
                "changes": [{"field": k, "old": _jsonable(a), "new": _jsonable(b)} for k, (a, b) in p.changes.items()],
                "measure_changes": [
                    {
                        "position": mp.position,
                        "changes": [
                            {"field": k, "old": _jsonable(a), "new": _jsonable(b)} for k, (a, b) in mp.changes.items()
                        ],
                    }
                    for mp in p.measures
                    if mp.changes
                ],
            }
        )
    counts = {a: sum(1 for p in plans if p.action == a) for a in ("create", "update", "unchanged")}
    return {
        "counts": counts,
        "measures": sum(len(p.measures) for p in plans),
        "rows": rows,
        "unknown_orgs": list(unknown.values()),
        "document": document,
    }


def _check_days(rows: list[ProblemRow], rnd: InspectionRound, errors: list[CellError]) -> None:
    """History may not be in the future nor before the round's stay (as `occurred_on` elsewhere)."""
    first, last = rnd.stay_start, today()

    def check(p: ProblemRow, d: date | None, column: str) -> None:
        if d is None:
            return
        if d > last:
            errors.append(
                CellError(p.where.sheet, p.where.row, column, d.isoformat(), "日期晚于今天", "a date in the future")
            )
        elif first is not None and d < first:
            errors.append(
                CellError(
                    p.where.sheet,
                    p.where.row,
                    column,
                    d.isoformat(),
                    f"日期早于督察进驻（{first.isoformat()}）",
                    f"a date before the inspection's stay ({first})",
                )
            )

    for p in rows:
        check(p, p.completed_on, "完成时间")
        for d, _t in p.progress:
            check(p, d, "整改进展")


async def _plan(
    session: AsyncSession,
    principal: Principal,
    rnd: InspectionRound,
    rows: list[ProblemRow],
    columns: set[str],
    mapping: dict[str, int],
    errors: list[CellError],
) -> tuple[list[ProblemPlan], OrgIndex]:
    orgs = await orgs_repo.subtree(session, principal, principal.org_path)
    index = OrgIndex(orgs)
    assert rnd.id is not None
    mapping = {**await remembered_mapping(session, rnd.id), **mapping}
    return plan(rows, columns, await _existing(session, rnd.id), index, mapping, errors), index


async def remembered_mapping(session: AsyncSession, round_id: int) -> dict[str, int]:
    """The office's earlier choices for units it mapped in this round (applied jobs, oldest first):
    the same file imported again needs no mapping and matches as before."""
    stmt = select(ImportJob.preview).where(ImportJob.round_id == round_id, ImportJob.state == "applied")
    out: dict[str, int] = {}
    for (preview,) in (await session.execute(stmt.order_by(ImportJob.id))).all():
        out.update((preview or {}).get("org_mapping") or {})
    return out


async def create_job(
    session: AsyncSession,
    principal: Principal,
    round_id: int,
    filename: str,
    data: bytes,
    limits: guard.Limits,
    issued_on: date | None = None,
    opened_on: date | None = None,
) -> ImportJob:
    rnd = await office_round(session, principal, round_id)
    try:
        kind = guard.sniff(data, limits)
    except guard.Refused as exc:
        raise _refused(exc) from exc
    calendar = await calendar_repo.load_calendar(session)
    try:
        parsed = await isolated.parse(data, kind, calendar, issued_on, limits.seconds, limits.memory_mb)
    except isolated.ParseFailed as exc:
        raise _refused(exc) from exc
    errors = list(parsed.errors)
    document_day = parsed.document.issued_on if parsed.document else None
    opened_on = opened_on or issued_on or document_day or rnd.feedback_date
    if opened_on is not None and (opened_on > today() or (rnd.stay_start and opened_on < rnd.stay_start)):
        raise ApiError(
            422,
            "invalid_input",
            "问题交办日期不能晚于今天或早于督察进驻",
            "opened_on may not be in the future or before the inspection's stay",
            [{"field": "query.opened_on", "reason": "out of range"}],
        )
    _check_days(parsed.problems, rnd, errors)
    plans, _ = await _plan(session, principal, rnd, parsed.problems, parsed.columns, {}, errors)
    if errors:
        raise _rejected(errors)
    job = ImportJob(
        round_id=round_id,
        org_path=rnd.org_path,
        filename=filename[:255] or "upload",
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        state="previewed",
        options={
            "issued_on": issued_on.isoformat() if issued_on else None,
            "opened_on": opened_on.isoformat() if opened_on else None,
            "columns": sorted(parsed.columns),
        },
        rows=[codec.dump(p) for p in parsed.problems],
        preview=preview_of(plans, parsed.document.as_json() if parsed.document else None),
        created_by=principal.name,
    )
    session.add(job)
    await session.flush()
    return job


async def get_job(session: AsyncSession, principal: Principal, round_id: int, job_id: int) -> ImportJob:
    await office_round(session, principal, round_id)
    job = await session.get(ImportJob, job_id)
    if job is None or job.round_id != round_id:
        raise not_found("导入任务", "Import job")
    return job


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
    plans, index = await _plan(session, principal, rnd, rows, columns, mapping, errors)
    bad_ids = sorted({v for v in mapping.values() if v not in index.by_id})
    if bad_ids:
        raise ApiError(
            422,
            "invalid_input",
            "对应单位不存在或不在管辖范围内",
            "A mapped org does not exist in your scope",
            [{"field": "body.org_mapping", "reason": f"no such org: {i}"} for i in bad_ids],
        )
    unmatched = sorted({m.text for p in plans for _, m in p.matches if m.org is None})
    if unmatched:
        raise ApiError(
            422,
            "orgs_unmatched",
            f"{len(unmatched)}个单位未对应到系统中的单位，请在 org_mapping 中指定：{'、'.join(unmatched)}",
            f"{len(unmatched)} unit(s) are not matched to an org; map them in org_mapping",
            [{"field": "body.org_mapping", "reason": t} for t in unmatched],
        )
    if errors:
        raise _rejected(errors)
    opened_text = (job.options or {}).get("opened_on")
    opened = date.fromisoformat(opened_text) if opened_text else None
    created = updated = 0
    touched: list[int] = []
    for p in plans:
        if p.action == "create":
            issue_id = await _create(session, principal, rnd, p, opened)
            created += 1
            touched.append(issue_id)
        elif p.action == "update":
            assert p.existing is not None
            await _update(session, principal, p)
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


def _status_path(target: IssueStatus) -> list[IssueStatus]:
    if target == IssueStatus.not_started:
        return []
    if target == IssueStatus.in_progress:
        return [IssueStatus.in_progress]
    if target == IssueStatus.closed:
        return [IssueStatus.in_progress, IssueStatus.completed, IssueStatus.closed]
    return [IssueStatus.in_progress, target]


def _started_on(p: ProblemRow) -> date | None:
    dated = [d for d, _ in p.progress if d is not None]
    return min(dated) if dated else p.completed_on


def _measure_day(row: ProblemRow, mp: Any) -> date:
    """The day a measure reached its status, when the file gives none of its own: a completed
    measure by the problem's completion, else by its own deadline once past, else when the
    problem started; work in progress from the problem's start."""
    started, now = _started_on(row), today()
    if mp.status == MeasureStatus.completed:
        own = mp.deadline.deadline if mp.deadline is not None and mp.deadline.deadline else None
        candidates = [d for d in (row.completed_on, own if own and own <= now else None) if d is not None]
        return min(candidates) if candidates else (started or now)
    return started or now


def _setting(d: Any) -> DeadlineSetting:
    if d is None:
        return DeadlineSetting(None, None, False)
    rule = d.rule if d.rule else ({"kind": "date"} if d.deadline else None)
    return DeadlineSetting(d.deadline, rule, d.provisional)


async def _create(
    session: AsyncSession, principal: Principal, rnd: InspectionRound, p: ProblemPlan, opened: date | None
) -> int:
    row, lead = p.row, p.lead
    assert lead is not None and lead.id is not None and rnd.id is not None
    setting = _setting(row.deadline)
    now = utcnow()
    issue = Issue(
        round_id=rnd.id,
        seq=row.seq,
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
        long_term=bool(row.deadline and row.deadline.long_term),
        status=IssueStatus.not_started,
        occurred_on=opened,
        created_at=now,
        updated_at=now,
    )
    session.add(issue)
    await session.flush()
    assert issue.id is not None
    session.add(
        IssueStatusChange(
            issue_id=issue.id,
            from_status=None,
            to_status=IssueStatus.not_started,
            changed_by=principal.name,
            changed_at=now,
            reason="导入",
            occurred_on=opened,
        )
    )
    await _set_orgs(session, issue, lead, [o for o in p.responsible if o.id != lead.id or True])
    measure_orgs: dict[int, Org] = {}
    for mp in p.measures:
        org = mp.org or lead
        assert org.id is not None
        ms = _setting(mp.deadline)
        m = Measure(
            issue_id=issue.id,
            seq=mp.seq,
            position=mp.position,
            text=mp.text,
            responsible_org_id=org.id,
            org_path=org.path,
            deadline=ms.deadline,
            original_deadline=ms.deadline,
            deadline_rule=ms.rule,
            deadline_provisional=ms.provisional,
            status=MeasureStatus.not_started,
            occurred_on=opened,
            created_at=now,
            updated_at=now,
        )
        session.add(m)
        await session.flush()
        record_measure_status(session, m, MeasureStatus.not_started, principal.name, "导入", opened, initial=True)
        if mp.status is not None and mp.status != MeasureStatus.not_started:
            record_measure_status(session, m, mp.status, principal.name, "导入", _measure_day(row, mp))
        if mp.org is not None:
            measure_orgs[org.id] = org
    for org in measure_orgs.values():
        session.add(IssueOrg(issue_id=issue.id, org_id=org.id or 0, role=MEASURE_ROLE, org_path=org.path))
    record_event(
        session,
        "issue.created",
        "issue",
        issue.id,
        {
            "id": issue.id,
            "round_id": rnd.id,
            "seq": issue.seq,
            "status": issue.status,
            "deadline": issue.deadline.isoformat() if issue.deadline else None,
            "lead_org_id": issue.lead_org_id,
        },
        org_path=lead.path,
    )
    _add_progress(session, principal, issue, lead, p.new_progress, now)
    if row.status:
        await _move_status(session, principal, issue, IssueStatus(row.status), row, now)
        if issue.status == IssueStatus.in_progress:
            issue.on_schedule = row.on_schedule
    return issue.id


async def _move_status(
    session: AsyncSession, principal: Principal, issue: Issue, target: IssueStatus, row: ProblemRow, now: Any
) -> None:
    started, done = _started_on(row), row.completed_on
    path = _status_path(target)
    if IssueStatus(issue.status) in path:
        path = path[path.index(IssueStatus(issue.status)) + 1 :]
    elif IssueStatus(issue.status) != IssueStatus.not_started:
        path = [target]
    for step in path:
        day = started if step == IssueStatus.in_progress else done
        record_status_change(session, issue, step, principal.name, "导入", now, occurred_on=day)


def _add_progress(
    session: AsyncSession,
    principal: Principal,
    issue: Issue,
    org: Org,
    lines: Sequence[tuple[date | None, str]],
    now: Any,
) -> None:
    assert issue.id is not None and org.id is not None
    for day, text in lines:
        session.add(
            ProgressReport(
                id=new_id(),
                created_at=now,
                issue_id=issue.id,
                measure_id=None,
                text=text,
                reporting_org_id=org.id,
                org_path=org.path,
                reported_at=now,
                reported_by=principal.name,
                occurred_on=day,
            )
        )


async def _update(session: AsyncSession, principal: Principal, p: ProblemPlan) -> None:
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
    if "lead_org_id" in c or "responsible_org_ids" in c:
        lead = p.lead or await orgs_repo.get(session, issue.lead_org_id)
        assert lead is not None
        issue.lead_org_id, issue.org_path = lead.id or 0, lead.path
        responsible = (
            p.responsible
            if "responsible_org_ids" in c
            else list((await orgs_repo.get_many(session, p.existing.responsible_ids)).values())
        )
        await _set_orgs(session, issue, lead, responsible)
    if "deadline" in c:
        apply_deadline(session, "issue", issue, _setting(row.deadline), "导入台账", principal.name)
    if "long_term" in c:
        issue.long_term = c["long_term"][1]
    _add_progress(
        session,
        principal,
        issue,
        p.lead or Org(id=issue.lead_org_id, name="", kind="department", path=issue.org_path),
        p.new_progress,
        now,
    )
    for mp in p.measures:
        if mp.existing is None:
            org = mp.org or p.lead
            assert org is not None and org.id is not None
            ms = _setting(mp.deadline)
            m = Measure(
                issue_id=issue.id or 0,
                seq=mp.seq,
                position=mp.position,
                text=mp.text,
                responsible_org_id=org.id,
                org_path=org.path,
                deadline=ms.deadline,
                original_deadline=ms.deadline,
                deadline_rule=ms.rule,
                status=MeasureStatus.not_started,
                created_at=now,
                updated_at=now,
            )
            session.add(m)
            await session.flush()
            record_measure_status(session, m, MeasureStatus.not_started, principal.name, "导入", today(), initial=True)
            if mp.status and mp.status != MeasureStatus.not_started:
                record_measure_status(session, m, mp.status, principal.name, "导入", row.completed_on or today())
            continue
        m, mc = mp.existing, mp.changes
        if not mc:
            continue
        if "seq" in mc:
            m.seq = mp.seq
        if "text" in mc:
            m.text = mp.text
        if "responsible_org_id" in mc and mp.org is not None:
            m.responsible_org_id, m.org_path = mp.org.id, mp.org.path
        if "deadline" in mc:
            apply_deadline(session, "measure", m, _setting(mp.deadline), "导入台账", principal.name)
        if "status" in mc and mp.status is not None:
            day = row.completed_on if mp.status == MeasureStatus.completed and row.completed_on else today()
            record_measure_status(session, m, mp.status, principal.name, "导入台账", day)
        m.updated_at = now
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
        "issue.updated",
        "issue",
        issue.id,
        {
            "id": issue.id,
            "round_id": issue.round_id,
            "seq": issue.seq,
            "status": issue.status,
            "deadline": issue.deadline.isoformat() if issue.deadline else None,
            "lead_org_id": issue.lead_org_id,
            "fields": sorted(c),
        },
        org_path=issue.org_path,
    )
