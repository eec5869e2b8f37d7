"""Petition queries. A case is visible to a caller whose scope holds its locality or its
responsible org; a batch is visible with its round."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Row, String, cast, func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import PetitionState, PetitionVerdict
from rectify_shared.models import InspectionRound, Org, PetitionBatch, PetitionCase, PetitionPolicy
from rectify_shared.tree import in_subtree

from ..auth.principal import Principal, Scope
from ..rounds.repository import visible as round_visible

C = PetitionCase


def visible(scope: Scope) -> ColumnElement[bool]:
    return or_(
        scope.clause(col(C.locality_path)), col(C.responsible_path).is_not(None) & scope.clause(col(C.responsible_path))
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class CaseFilter:
    round_id: int | None = None
    batch_id: int | None = None
    locality_path: str | None = None
    states: Sequence[PetitionState] | None = None
    verdicts: Sequence[PetitionVerdict] | None = None
    pollution_type: str | None = None
    overdue: bool | None = None
    key_attention: bool | None = None
    q: str | None = None
    today: date | None = None


def overdue_clause(today: date) -> ColumnElement[bool]:
    return (col(C.state) == PetitionState.in_progress) & col(C.due_date).is_not(None) & (col(C.due_date) < today)


def filter_clauses(f: CaseFilter, scope: Scope) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [visible(scope)]
    if f.round_id is not None:
        clauses.append(col(C.round_id) == f.round_id)
    if f.batch_id is not None:
        clauses.append(col(C.batch_id) == f.batch_id)
    if f.locality_path is not None:
        clauses.append(in_subtree(col(C.locality_path), f.locality_path))
    if f.states:
        clauses.append(col(C.state).in_(list(f.states)))
    if f.verdicts:
        clauses.append(col(C.verdict).in_(list(f.verdicts)))
    if f.pollution_type is not None:
        # a JSON array of codes: its text holds the code in quotes on both engines (codes are [a-z0-9_])
        clauses.append(cast(col(C.pollution_types), String).like(f'%"{_escape_like(f.pollution_type)}"%', escape="\\"))
    if f.overdue is not None and f.today is not None:
        late = overdue_clause(f.today)
        clauses.append(late if f.overdue else ~late)
    if f.key_attention is not None:
        clauses.append(col(C.key_attention).is_(f.key_attention))
    if f.q:
        pattern = f"%{_escape_like(f.q)}%"
        clauses.append(
            or_(
                col(C.intake_no).like(pattern, escape="\\"),
                col(C.content).like(pattern, escape="\\"),
                func.coalesce(col(C.reported_party), "").like(pattern, escape="\\"),
                func.coalesce(col(C.address), "").like(pattern, escape="\\"),
            )
        )
    return clauses


async def list_page(
    session: AsyncSession, f: CaseFilter, scope: Scope, after_id: int | None, limit: int
) -> Sequence[Row[PetitionCase, int, str]]:
    stmt = (
        select(C, col(PetitionBatch.batch_no), col(Org.name))
        .join(PetitionBatch, col(PetitionBatch.id) == col(C.batch_id))
        .join(Org, col(Org.id) == col(C.locality_org_id))
        .where(*filter_clauses(f, scope))
    )
    if after_id is not None:
        stmt = stmt.where(col(C.id) > after_id)
    return (await session.execute(stmt.order_by(col(C.id)).limit(limit + 1))).all()


async def count(session: AsyncSession, f: CaseFilter, scope: Scope) -> int:
    """How many cases the list gives over all its pages (same filters, same scope)."""
    return int(
        (await session.execute(select(func.count()).select_from(C).where(*filter_clauses(f, scope)))).scalar_one()
    )


async def get(session: AsyncSession, case_id: int, scope: Scope, *, for_update: bool = False) -> PetitionCase | None:
    stmt = select(C).where(col(C.id) == case_id, visible(scope))
    if for_update:
        stmt = stmt.with_for_update(of=C)
    return (await session.execute(stmt)).scalar_one_or_none()


async def names(session: AsyncSession, case: PetitionCase) -> tuple[int, str]:
    """(batch number, locality name) of a case."""
    batch = await session.get(PetitionBatch, case.batch_id)
    org = await session.get(Org, case.locality_org_id)
    assert batch is not None and org is not None
    return batch.batch_no, org.name


async def intake_taken(session: AsyncSession, round_id: int, intake_nos: Sequence[str]) -> set[str]:
    if not intake_nos:
        return set()
    stmt = select(col(C.intake_no)).where(col(C.round_id) == round_id, col(C.intake_no).in_(list(intake_nos)))
    return {r[0] for r in (await session.execute(stmt)).all()}


def batch_visible(principal: Principal) -> ColumnElement[bool]:
    return col(PetitionBatch.round_id).in_(select(col(InspectionRound.id)).where(round_visible(principal)))


async def get_batch(session: AsyncSession, principal: Principal, batch_id: int) -> PetitionBatch | None:
    stmt = select(PetitionBatch).where(col(PetitionBatch.id) == batch_id, batch_visible(principal))
    return (await session.execute(stmt)).scalar_one_or_none()


async def batch_no_taken(session: AsyncSession, round_id: int, batch_no: int) -> bool:
    stmt = select(col(PetitionBatch.id)).where(
        col(PetitionBatch.round_id) == round_id, col(PetitionBatch.batch_no) == batch_no
    )
    return (await session.execute(stmt)).first() is not None


async def list_batches(
    session: AsyncSession, principal: Principal, round_id: int | None, after_id: int | None, limit: int
) -> Sequence[Row[PetitionBatch, int]]:
    """Batches with the count of their cases in the caller's scope, in creation order."""
    count = (
        select(func.count())
        .select_from(C)
        .where(col(C.batch_id) == col(PetitionBatch.id), visible(principal.scope))
        .correlate(PetitionBatch)
        .scalar_subquery()
    )
    stmt = select(PetitionBatch, count.label("case_count")).where(batch_visible(principal))
    if round_id is not None:
        stmt = stmt.where(col(PetitionBatch.round_id) == round_id)
    if after_id is not None:
        stmt = stmt.where(col(PetitionBatch.id) > after_id)
    return (await session.execute(stmt.order_by(col(PetitionBatch.id)).limit(limit + 1))).all()


async def get_policy(session: AsyncSession, round_id: int) -> PetitionPolicy | None:
    return await session.get(PetitionPolicy, round_id)
