"""Import jobs, first step: the file read and previewed against the round's ledger (nothing written)."""

import hashlib
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import ImportJob, InspectionRound, Org
from rectify_shared.timezone import today

from ..auth.principal import Principal, Role
from ..calendar import repository as calendar_repo
from ..core.error_catalogue import INVALID_INPUT, raises
from ..core.errors import ApiError, not_found
from ..orgs import repository as orgs_repo
from ..rounds import repository as rounds
from . import codec, guard, isolated, repository
from .errors import FILE_REFUSALS, IMPORT_REJECTED
from .orgmatch import OrgIndex
from .plan import ProblemPlan, fingerprint, plan
from .rows import CellError, ProblemRow


async def office_round(session: AsyncSession, principal: Principal, round_id: int) -> InspectionRound:
    """The round, when the caller is an office admin over it (404 otherwise: not visible)."""
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None or principal.role != Role.office_admin or not principal.subtree.contains(rnd.org_path):
        raise not_found("督察轮次", "Inspection round")
    return rnd


@raises(*FILE_REFUSALS)
def _refused(exc: guard.Refused | isolated.ParseFailed) -> ApiError:
    return ApiError(exc.status, exc.code, exc.zh, exc.en, [{"field": "body.file", "reason": exc.en}])


def rejected(errors: list[CellError]) -> ApiError:
    return IMPORT_REJECTED.error(len_errors=len(errors), details=[e.as_json() | {"field": "body.file"} for e in errors])


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
                "display_no": p.row.display_no or None,
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


async def plan_for(
    session: AsyncSession,
    principal: Principal,
    rnd: InspectionRound,
    rows: list[ProblemRow],
    columns: set[str],
    mapping: dict[str, int],
    errors: list[CellError],
) -> tuple[list[ProblemPlan], OrgIndex, str]:
    """The plan, the orgs it matched against, and the fingerprint of the ledger it compared with."""
    orgs = await orgs_repo.subtree(session, principal, principal.org_path)
    index = OrgIndex(orgs)
    assert rnd.id is not None
    mapping = {**await repository.remembered_mapping(session, rnd.id), **mapping}
    existing = await repository.existing(session, rnd.id)
    return plan(rows, columns, existing, index, mapping, errors), index, fingerprint(existing)


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
        raise INVALID_INPUT.error(
            message="问题交办日期不能晚于今天或早于督察进驻",
            message_en="opened_on may not be in the future or before the inspection's stay",
            details=[{"field": "query.opened_on", "reason": "out of range"}],
        )
    _check_days(parsed.problems, rnd, errors)
    plans, _, ledger = await plan_for(session, principal, rnd, parsed.problems, parsed.columns, {}, errors)
    if errors:
        raise rejected(errors)
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
            # what the preview compared with: apply refuses once the round's ledger has moved on
            "ledger_fingerprint": ledger,
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
