"""A round's escalation ladder: the default until the office sets its own (validated, audited)."""

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.escalation_policy import DEFAULT_POLICY, Policy
from rectify_shared.models import EscalationPolicy, Org
from rectify_shared.models.types import utcnow
from rectify_shared.tree import in_subtree

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.errors import not_found
from ..outbox.writer import record_event
from ..rounds import repository as rounds
from .errors import INVALID_POLICY


async def get(session: AsyncSession, principal: Principal, round_id: int) -> Policy:
    if await rounds.get_visible(session, principal, round_id) is None:
        raise not_found("督察轮次", "Inspection round")
    row = await session.get(EscalationPolicy, round_id)
    return Policy.model_validate(row.policy) if row else DEFAULT_POLICY


async def replace(session: AsyncSession, principal: Principal, round_id: int, body: dict[str, Any]) -> Policy:
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None or not principal.subtree.contains(rnd.org_path):
        raise not_found("督察轮次", "Inspection round")
    try:
        policy = Policy.model_validate(body)
    except ValidationError as exc:
        details = [
            {"field": "body." + ".".join(str(p) for p in err["loc"]), "reason": err["msg"]} for err in exc.errors()
        ]
        raise INVALID_POLICY.error(
            message="督办规则不合法", message_en="Invalid escalation policy", details=details
        ) from exc
    conflicts = policy.issuer_conflicts(*await _issuers_and_unit_parents(session, rnd))
    if conflicts:
        raise INVALID_POLICY.error(
            details=[
                {"field": "body.rules", "reason": f"rule {rid}: target parent_org is the issuer"} for rid in conflicts
            ]
        )
    row = await session.get(EscalationPolicy, round_id)
    before = row.policy if row else None
    value = policy.model_dump(mode="json")
    if row is None:
        session.add(EscalationPolicy(round_id=round_id, policy=value, updated_by=principal.name))
    else:
        row.policy, row.updated_by, row.updated_at = value, principal.name, utcnow()
    await record_audit(
        session,
        principal,
        "escalation_policy.replaced",
        "inspection_round",
        round_id,
        before=before,
        after=value,
        org_path=rnd.org_path,
    )
    # internal (not in the public feed): the ledger's warning colours follow the policy
    record_event(
        session,
        "escalation_policy.replaced",
        "inspection_round",
        round_id,
        {"round_id": round_id},
        org_path=rnd.org_path,
        in_feed=False,
    )
    await session.commit()
    return policy


async def _issuers_and_unit_parents(session: AsyncSession, rnd: Any) -> tuple[set[int], set[int]]:
    """(the round's office and the org it belongs to, the orgs directly above the round's units)."""
    office = await session.get(Org, rnd.office_org_id) if rnd.office_org_id else None
    issuers = {rnd.org_id} | ({office.id or 0, office.parent_id or 0} if office else set())
    parents = (
        await session.execute(
            select(col(Org.parent_id)).where(in_subtree(Org.path, rnd.org_path), Org.id != rnd.org_id).distinct()
        )
    ).scalars()
    return issuers, {p for p in parents if p is not None}
