from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Row, Select, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ClosureState
from rectify_shared.models import AttachmentLink, Closure, ClosureObjection, ClosureStep, Issue, Org, PetitionCase
from rectify_shared.tree import in_subtree

from ..auth.principal import Scope
from ..issues.repository import visible as issue_visible
from ..petitions.repository import visible as case_visible


def _scoped(scope: Scope) -> tuple[Select[Closure], ColumnElement[bool]]:
    """Closures joined to their target (an issue or a petition case) and the visibility rule."""
    stmt = (
        select(Closure)
        .outerjoin(Issue, col(Issue.id) == col(Closure.issue_id))
        .outerjoin(PetitionCase, col(PetitionCase.id) == col(Closure.petition_case_id))
    )
    rule = or_(
        col(Closure.issue_id).is_not(None) & issue_visible(scope),
        col(Closure.petition_case_id).is_not(None) & case_visible(scope),
    )
    return stmt, rule


async def get(session: AsyncSession, closure_id: int, scope: Scope, *, for_update: bool = False) -> Closure | None:
    """A closure is visible when its issue (or petition case) is."""
    stmt, rule = _scoped(scope)
    stmt = stmt.where(col(Closure.id) == closure_id, rule)
    if for_update:
        stmt = stmt.with_for_update(of=Closure)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_unscoped(session: AsyncSession, closure_id: int, *, for_update: bool = False) -> Closure | None:
    stmt = select(Closure).where(col(Closure.id) == closure_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def for_issue(session: AsyncSession, issue_id: int) -> Closure | None:
    stmt = select(Closure).where(col(Closure.issue_id) == issue_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def for_target(session: AsyncSession, issue: Issue | None, case: PetitionCase | None) -> Closure | None:
    if issue is not None:
        assert issue.id is not None
        return await for_issue(session, issue.id)
    assert case is not None
    stmt = select(Closure).where(col(Closure.petition_case_id) == case.id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession,
    scope: Scope,
    state: ClosureState | None,
    org_path: str | None,
    after_id: int | None,
    limit: int,
) -> Sequence[Closure]:
    stmt, rule = _scoped(scope)
    stmt = stmt.where(rule)
    if state is not None:
        stmt = stmt.where(col(Closure.state) == state)
    if org_path is not None:
        stmt = stmt.where(in_subtree(col(Closure.org_path), org_path))
    if after_id is not None:
        stmt = stmt.where(col(Closure.id) > after_id)
    return (await session.execute(stmt.order_by(col(Closure.id)).limit(limit + 1))).scalars().all()


async def steps_of(session: AsyncSession, closure_id: int) -> Sequence[ClosureStep]:
    stmt = select(ClosureStep).where(col(ClosureStep.closure_id) == closure_id).order_by(col(ClosureStep.id))
    return (await session.execute(stmt)).scalars().all()


async def objections_of(session: AsyncSession, closure_id: int) -> Sequence[ClosureObjection]:
    stmt = (
        select(ClosureObjection)
        .where(col(ClosureObjection.closure_id) == closure_id)
        .order_by(col(ClosureObjection.id))
    )
    return (await session.execute(stmt)).scalars().all()


async def attachment_ids_of(session: AsyncSession, closure_id: int) -> list[int]:
    stmt = (
        select(col(AttachmentLink.attachment_id))
        .where(col(AttachmentLink.target_kind) == "closure", col(AttachmentLink.target_id) == closure_id)
        .order_by(col(AttachmentLink.attachment_id))
    )
    return [int(i) for i in (await session.execute(stmt)).scalars().all()]


async def org_chain(session: AsyncSession, org: Org) -> list[Org]:
    """The org, then its ancestors up to the root."""
    ids = [int(p) for p in org.path.strip("/").split("/") if p]
    rows = {o.id: o for o in (await session.execute(select(Org).where(col(Org.id).in_(ids)))).scalars().all()}
    return [rows[i] for i in reversed(ids) if i in rows]


async def public_page(session: AsyncSession, today: date, after_id: int | None, limit: int) -> Sequence[Row[int]]:
    """Notices running today (start ≤ today ≤ end), for the public pages."""
    stmt = select(col(Closure.id)).where(  # notices of tasks only: a petition case's closure is not published here
        col(Closure.state) == ClosureState.in_publicity,
        col(Closure.publicity_start) <= today,
        col(Closure.publicity_end) >= today,
        col(Closure.issue_id).is_not(None),
    )
    if after_id is not None:
        stmt = stmt.where(col(Closure.id) > after_id)
    return (await session.execute(stmt.order_by(col(Closure.id)).limit(limit + 1))).all()
