"""Importing a batch spreadsheet: every row valid, or nothing imported and every bad row listed."""

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import OrgKind
from rectify_shared.models import Org, PetitionCase

from ..auth.principal import Principal
from ..core.errors import ApiError, not_found
from ..orgs import repository as orgs_repo
from . import importer, isolated, repository
from .schemas import CaseCreate
from .service import add_case


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


async def import_batch(
    session: AsyncSession, principal: Principal, batch_id: int, data: bytes, limits: tuple[float, int] = (30.0, 768)
) -> list[PetitionCase]:
    """`limits`: the parse's time (seconds) and memory (MB), see `isolated`."""
    batch = await repository.get_batch(session, principal, batch_id)
    if batch is None or not principal.subtree.contains(batch.org_path):
        raise not_found("信访件批次", "Petition batch")
    assert batch.id is not None
    if not data:
        raise ApiError(
            422, "empty_file", "未上传文件", "No file was uploaded", [{"field": "body.file", "reason": "empty"}]
        )
    try:
        parsed = await isolated.parse(data, *limits)
    except importer.TooLarge as exc:
        raise ApiError(
            413,
            "workbook_too_large",
            "工作簿解压后过大或读取开销过大，请拆分后上传",
            "The workbook is too large to read (unpacked size, strings, time or memory); split it",
            [{"field": "body.file", "reason": str(exc)}],
        ) from exc
    except importer.NotXlsx as exc:
        raise ApiError(
            415,
            "not_xlsx",
            "只接受 Excel 工作簿（.xlsx）文件",
            "Only an Excel workbook (.xlsx) is accepted",
            [{"field": "body.file", "reason": str(exc)}],
        ) from exc
    errors: list[dict[str, Any]] = list(parsed.errors)
    orgs = await orgs_repo.subtree(session, principal, principal.org_path)
    index = locality_index(orgs)
    taken = await repository.intake_taken(session, batch.round_id, [r.values["intake_no"] for r in parsed.rows])
    seen: dict[str, int] = {}
    creates: list[tuple[CaseCreate, Org]] = []
    col = parsed.columns
    for row in parsed.rows:
        v = row.values
        intake = v["intake_no"]
        if intake and intake in taken:
            errors.append(
                importer.error(row.row, col["intake_no"], f"本轮已有受理编号{intake}", "intake number already exists")
            )
        elif intake in seen:
            errors.append(
                importer.error(
                    row.row,
                    col["intake_no"],
                    f"与第{seen[intake]}行受理编号重复",
                    f"same intake number as row {seen[intake]}",
                )
            )
        if intake:
            seen.setdefault(intake, row.row)
        if not v["locality"]:
            continue  # reported as empty already
        org = _resolve(v["locality"], index, orgs)
        if not isinstance(org, Org):
            zh = "对应多个单位" if org == "ambiguous" else "不是本级及下级的行政区域"
            errors.append(
                importer.error(
                    row.row,
                    col["locality"],
                    f"“{v['locality']}”{zh}",
                    "no such locality in your scope" if org is None else "ambiguous locality",
                )
            )
            continue
        if not row.ok:
            continue
        fields = {k: val for k, val in v.items() if k != "locality" and val is not None}
        try:
            create = CaseCreate.model_validate({**fields, "batch_id": batch.id, "locality_org_id": org.id})
        except ValidationError as exc:
            for e in exc.errors():
                name = str(e["loc"][0]) if e["loc"] else ""
                errors.append(importer.error(row.row, col.get(name, name), "内容不合法", e["msg"]))
            continue
        creates.append((create, org))
    if errors:
        raise ApiError(
            422,
            "import_rejected",
            f"第{batch.batch_no}批信访件未导入：{len(errors)}处错误，请修改后重新上传整批",
            f"Batch {batch.batch_no} was not imported: {len(errors)} error(s); fix them and upload the whole batch",
            sorted(errors, key=lambda e: e["row"] or 0),
        )
    cases = []
    for create, org in creates:
        assert org.id is not None
        cases.append(await add_case(session, principal, batch, create, {org.id: org}))
    return cases
