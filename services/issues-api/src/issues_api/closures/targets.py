"""What a closure closes: an issue, or a petition case (when the round's policy says `writeoff`).

For a case: the scope is its locality or responsible org, the "lead org" (who reviews) is the
responsible org else the locality, and write-off closes the case (`petitions.service.close_by_writeoff`).
"""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import PetitionState
from rectify_shared.models import Closure, Issue, PetitionCase

from ..auth.principal import Principal
from ..core.errors import invalid, not_found
from ..issues.service import live_issue
from ..petitions import repository as petitions
from .errors import CERTIFICATION_POLICY, NOT_APPLICABLE
from .policy import policy_for

_CASE_APPLICABLE = (PetitionState.in_progress, PetitionState.closed_in_stage)


@dataclass
class Target:
    issue: Issue | None = None
    case: PetitionCase | None = None

    @property
    def lead_org_id(self) -> int:
        if self.issue is not None:
            return self.issue.lead_org_id
        assert self.case is not None
        return self.case.responsible_org_id or self.case.locality_org_id

    @property
    def org_path(self) -> str:
        if self.issue is not None:
            return self.issue.org_path
        assert self.case is not None
        return self.case.responsible_path or self.case.locality_path

    @property
    def round_id(self) -> int:
        row = self.issue if self.issue is not None else self.case
        assert row is not None
        return row.round_id


async def of_closure(session: AsyncSession, closure: Closure, principal: Principal) -> Target:
    """The closure's target, locked for change."""
    if closure.issue_id is not None:
        return Target(issue=await live_issue(session, closure.issue_id, principal))
    assert closure.petition_case_id is not None
    case = await petitions.get(session, closure.petition_case_id, principal.scope, for_update=True)
    if case is None:
        raise not_found("信访件", "Petition case")
    return Target(case=case)


async def applicable_case(session: AsyncSession, case_id: int, principal: Principal) -> PetitionCase:
    """A case in scope, open, whose round's policy closes cases by write-off; else 422/409."""
    case = await petitions.get(session, case_id, principal.scope, for_update=True)
    if case is None or case.id is None:
        raise invalid(
            "body.petition_case_id", "no such case in your scope", "信访件不存在", "No such petition case in your scope"
        )
    if (await policy_for(session, case.round_id)).petition_closure != "writeoff":
        raise CERTIFICATION_POLICY.error(details=[{"field": "body.petition_case_id", "reason": "policy certification"}])
    if case.state not in _CASE_APPLICABLE:
        raise NOT_APPLICABLE.error(
            message="仅正在办理或阶段性办结的信访件可以申请销号",
            message_en="Only petition cases in progress or closed in stage can apply for closure",
            details=[{"field": "body.petition_case_id", "reason": f"state {case.state}"}],
        )
    return case
