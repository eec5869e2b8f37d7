"""Importing a batch spreadsheet: every row valid, or nothing imported and every bad row listed.

`plan` reads the file and checks every row against the database without writing; a preview
returns that plan, and `import_batch` writes it only when it has no error (all or nothing).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import pollution as pollution_list
from rectify_shared.enums import OrgKind, PetitionState
from rectify_shared.models import Org, PetitionBatch, PetitionCase

from ..auth.principal import Principal
from ..core.errors import not_found
from ..orgs import repository as orgs_repo
from . import importer, isolated, pollution, repository
from .errors import EMPTY_FILE, IMPORT_REJECTED, NOT_XLSX, WORKBOOK_TOO_LARGE
from .schemas import CaseCreate
from .service import _closes_by_writeoff, add_case


def locality_index(orgs: Sequence[Org]) -> dict[str, Org | None]:
    """Normalised name or short name -> org; None marks a name two orgs share (ambiguous)."""
    index: dict[str, Org | None] = {}
    for org in orgs:
        names = {importer.normalise(org.name), importer.normalise(org.short_name or "")} - {""}
        for name in names:
            index[name] = None if name in index and index[name] is not org else org
    return index


def _resolve(text: str, index: dict[str, Org | None], orgs: Sequence[Org]) -> Org | str | None:
    key = importer.normalise(text)
    if key in index:
        return index[key] or "ambiguous"
    # "锡林浩特" for 锡林浩特市, "东乌珠穆沁" for 东乌珠穆沁旗: a unique county by prefix
    counties = [o for o in orgs if o.kind == OrgKind.county and importer.normalise(o.name).startswith(key)]
    return counties[0] if len(counties) == 1 else None


@dataclass
class Planned:
    row: int
    create: CaseCreate
    org: Org
    state: PetitionState
    state_written: str | None

    def preview(self) -> dict[str, Any]:
        acc = self.create.accountability
        return {
            "row": self.row,
            "action": "create",
            "intake_no": self.create.intake_no,
            "locality": {"id": self.org.id, "name": self.org.name},
            "state": self.state,
            "state_written": self.state_written,
            "verdict": self.create.verdict,
            "pollution_types": self.create.pollution_types,
            "accountability": acc.model_dump(exclude_defaults=True) if acc else None,
        }


@dataclass
class Plan:
    batch: PetitionBatch
    sheet: str | None
    rows: list[Planned] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def preview(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch.id,
            "sheet": self.sheet,
            "ok": not self.errors,
            "counts": {"create": len(self.rows), "errors": len(self.errors), "warnings": len(self.warnings)},
            "rows": [r.preview() for r in self.rows],
            "errors": self.errors,
            "warnings": self.warnings,
        }


async def import_batch(
    session: AsyncSession, principal: Principal, batch_id: int, data: bytes, limits: tuple[float, int] = (30.0, 768)
) -> tuple[list[PetitionCase], Plan]:
    """Write the file's cases, or 422 with every error. `limits`: the parse's time (seconds) and
    memory (MB), see `isolated`."""
    plan = await plan_batch(session, principal, batch_id, data, limits)
    batch = plan.batch
    if plan.errors:
        n = len(plan.errors)
        raise IMPORT_REJECTED.error(batch_batch_no=batch.batch_no, n=n, details=plan.errors)
    cases = []
    for p in plan.rows:
        assert p.org.id is not None
        reason = f"导入：办理状态“{p.state_written}”" if p.state_written else None
        cases.append(await add_case(session, principal, batch, p.create, {p.org.id: p.org}, p.state, reason))
    return cases, plan


async def plan_batch(
    session: AsyncSession, principal: Principal, batch_id: int, data: bytes, limits: tuple[float, int] = (30.0, 768)
) -> Plan:
    """The file read and checked against the batch, nothing written."""
    batch = await repository.get_batch(session, principal, batch_id)
    if batch is None or not principal.subtree.contains(batch.org_path):
        raise not_found("信访件批次", "Petition batch")
    assert batch.id is not None
    if not data:
        raise EMPTY_FILE.error(details=[{"field": "body.file", "reason": "empty"}])
    try:
        parsed = await isolated.parse(data, *limits)
    except importer.TooLarge as exc:
        raise WORKBOOK_TOO_LARGE.error(details=[{"field": "body.file", "reason": str(exc)}]) from exc
    except importer.NotXlsx as exc:
        raise NOT_XLSX.error(details=[{"field": "body.file", "reason": str(exc)}]) from exc
    errors: list[dict[str, Any]] = list(parsed.errors)
    plan = Plan(batch, parsed.sheet, warnings=list(parsed.warnings))
    types = await pollution_list.load(session)
    writeoff = await _closes_by_writeoff(session, batch.round_id)
    orgs = await orgs_repo.subtree(session, principal, principal.org_path)
    index = locality_index(orgs)
    taken = await repository.intake_taken(session, batch.round_id, [r.values["intake_no"] for r in parsed.rows])
    seen: dict[str, int] = {}
    col = parsed.columns

    def cell_error(row: int, name: str, zh: str, en: str, value: Any = None, **more: Any) -> None:
        errors.append({**importer.error(row, col.get(name, name), zh, en, sheet=parsed.sheet, value=value), **more})

    for row in parsed.rows:
        v = row.values
        intake = v["intake_no"]
        if intake and intake in taken:
            cell_error(row.row, "intake_no", f"本轮已有受理编号{intake}", "intake number already exists", intake)
        elif intake in seen:
            zh, en = f"与第{seen[intake]}行受理编号重复", f"same intake number as row {seen[intake]}"
            cell_error(row.row, "intake_no", zh, en, intake)
        if intake:
            seen.setdefault(intake, row.row)
        codes, unknown = pollution.resolve(v.pop("pollution_texts", []), types)
        for text in unknown:
            near = pollution.suggestions(text, types)
            hint_zh = f"，是否为：{'、'.join(m['name'] for m in near)}" if near else ""
            hint_en = f"; closest: {', '.join(m['name'] for m in near)}" if near else ""
            zh = f"未知的污染类型“{text}”{hint_zh}（可由督察整改办先添加该类型）"
            en = f"unknown pollution type {text!r}{hint_en} (the office may add it first)"
            cell_error(row.row, "pollution_types", zh, en, text, matches=near)
        v["pollution_types"] = codes
        state = v.pop("state", None) or PetitionState.in_progress
        state_written = v.pop("state_written", None)  # 未办结 stays 未办结 in the state history
        if state == PetitionState.closed and not v.get("verdict"):
            zh, en = "已办结的信访件须填写“是否属实”", "a closed (已办结) case needs its verdict (是否属实)"
            cell_error(row.row, "state", zh, en, state_written)
        if state == PetitionState.closed and writeoff:
            zh = "本轮信访件须经销号流程办结，不能以“已办结”导入"
            cell_error(
                row.row, "state", zh, "this round closes cases by write-off; import it as 阶段性办结", state_written
            )
        if not v["locality"]:
            continue  # reported as empty already
        org = _resolve(v["locality"], index, orgs)
        if not isinstance(org, Org):
            zh = "对应多个单位" if org == "ambiguous" else "不是本级及下级的行政区域"
            en = "no such locality in your scope" if org is None else "ambiguous locality"
            cell_error(row.row, "locality", f"“{v['locality']}”{zh}", en, v["locality"])
            continue
        if not row.ok or (errors and errors[-1]["row"] == row.row):
            continue
        fields = {k: val for k, val in v.items() if k != "locality" and val is not None}
        try:
            create = CaseCreate.model_validate({**fields, "batch_id": batch.id, "locality_org_id": org.id})
        except ValidationError as exc:
            for e in exc.errors():
                name = str(e["loc"][0]) if e["loc"] else ""
                cell_error(row.row, name, "内容不合法", e["msg"])
            continue
        plan.rows.append(Planned(row.row, create, org, state, state_written))
    plan.errors = sorted(errors, key=lambda e: e["row"] or 0)
    return plan
