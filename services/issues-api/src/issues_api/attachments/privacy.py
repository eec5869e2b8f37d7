"""Whose evidence a unit sees (issue 18: "not the other measures' evidence if the round says so").

A unit reads a problem when it leads it, shares it (responsible) or answers for one of its measures
(an `issue_org` row of role `measure`). When the round sets `measure_evidence_private`, a unit of
the last kind sees its own measure's progress reports and evidence (佐证材料), not those on the
problem's other measures; reports on the problem itself stay visible to every org that reads it.
The office, leaders and integrations (subtree scopes) see everything in their scope.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, literal, not_, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import InspectionRound, Issue, IssueOrg, Measure, ProgressReport

from ..auth.principal import Principal, Role
from ..issues.links import SHOWN_ROLES


def hidden_report(principal: Principal, measure_id: Any, issue_id: Any) -> ColumnElement[bool]:
    """True for a progress report (given by its measure and issue columns) whose evidence the caller
    may not see: another unit's measure, in a round that keeps measures' evidence apart."""
    if principal.role != Role.unit_operator:
        return false()
    others_measure = exists(
        select(literal(1))
        .select_from(Measure)
        .join(Issue, col(Issue.id) == col(Measure.issue_id))
        .join(InspectionRound, col(InspectionRound.id) == col(Issue.round_id))
        .where(
            col(Measure.id) == measure_id,
            col(InspectionRound.measure_evidence_private).is_(True),
            or_(col(Measure.responsible_org_id).is_(None), col(Measure.responsible_org_id) != principal.org_id),
        )
    )
    leads_or_shares = exists(
        select(literal(1)).where(
            col(IssueOrg.issue_id) == issue_id,
            col(IssueOrg.role).in_(SHOWN_ROLES),
            col(IssueOrg.org_path) == principal.org_path,
        )
    )
    return and_(measure_id.is_not(None), others_measure, not_(leads_or_shares))


async def hidden_report_ids(session: AsyncSession, principal: Principal, report_ids: Sequence[int]) -> set[int]:
    """Those of `report_ids` whose evidence the caller may not see."""
    if principal.role != Role.unit_operator or not report_ids:
        return set()
    pr = ProgressReport
    stmt = select(col(pr.id)).where(
        col(pr.id).in_(list(report_ids)), hidden_report(principal, col(pr.measure_id), col(pr.issue_id))
    )
    return {int(i) for i in (await session.execute(stmt)).scalars().all()}
