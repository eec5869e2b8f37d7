"""Who acts on a closure: who reviews it and which org accepts each level — never the applicant.

The round's closure policy names the acceptors (an org kind, `supervisor`, `office`); a level that
would fall to the applicant's org is left out, and the review passes from the lead unit to the first
accepting org when the lead unit applied itself. An application nobody above could accept is
refused (409) naming the office that must name an acceptor.
"""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import OrgNode, acceptors, reviewer_id
from rectify_shared.models import Closure, InspectionRound, Org

from ..auth.principal import Principal
from ..orgs import repository as orgs
from . import repository
from .errors import NO_REVIEWER, OWN_APPLICATION
from .policy import policy_for


@dataclass(frozen=True)
class Parties:
    levels: list[tuple[str, OrgNode]]
    reviewer: OrgNode


def _node(org: Org) -> OrgNode:
    return OrgNode(org.id or 0, org.kind, org.name)


async def parties_of(session: AsyncSession, round_id: int, lead: Org, applicant_id: int) -> Parties:
    chain = [_node(o) for o in await repository.org_chain(session, lead)]
    rnd = await session.get(InspectionRound, round_id)
    office_org = await orgs.get(session, rnd.office_org_id) if rnd is not None and rnd.office_org_id else None
    office = _node(office_org) if office_org is not None else None
    policy = await policy_for(session, round_id)
    levels = acceptors(policy, chain, office=office, applicant_id=applicant_id)
    reviewer = chain[0] if chain and chain[0].id != applicant_id else (levels[0][1] if levels else None)
    if reviewer is None or not levels:
        keeper = office.name if office is not None else (chain[-1].name if chain else "督察整改办")
        raise NO_REVIEWER.error(
            lead_name=lead.name,
            keeper=keeper,
            details=[{"field": "acceptance_levels", "reason": f"must be set by {keeper}"}],
        )
    return Parties(levels, reviewer)


async def reviewer_of(session: AsyncSession, closure: Closure, lead_org_id: int) -> Org:
    """The org that reviews this application: the lead unit, or the first acceptor when the lead applied."""
    org = await orgs.get(session, reviewer_id(closure.applicant_org_id, lead_org_id, closure.levels))
    assert org is not None
    return org


def check_not_applicant(closure: Closure, principal: Principal, action_zh: str, action_en: str) -> None:
    """The applicant's org and the applying user never review or accept their own application."""
    if principal.name == closure.applied_by or principal.org_id == closure.applicant_org_id:
        raise OWN_APPLICATION.error(action_zh=action_zh, action_en=action_en)
