"""A round's escalation ladder: the default until the office sets its own (validated, audited)."""

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.escalation_policy import DEFAULT_POLICY, Policy
from rectify_shared.events import InternalEventType, internal
from rectify_shared.models import EscalationPolicy, Org
from rectify_shared.models.types import utcnow
from rectify_shared.tree import in_subtree

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.errors import not_found
from ..core.validation_messages import reason_zh
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
            {"field": "body." + _body_path(body, err["loc"]), "reason": err["msg"], "reason_zh": reason_zh(dict(err))}
            for err in exc.errors()
        ]
        raise INVALID_POLICY.error(
            message="督办规则不合法", message_en="Invalid escalation policy", details=details
        ) from exc
    conflicts = policy.issuer_conflicts(*await _issuers_and_unit_parents(session, rnd))
    if conflicts:
        raise INVALID_POLICY.error(
            message="督办规则不能发给签发单位（督察整改办或其所属单位）自己",
            message_en="A rule would address the issuer itself (the round's office or the org it belongs to)",
            details=[
                {
                    "field": f"body.rules.{index}.target",
                    "reason": f"rule {rule.id}: target parent_org is the issuer",
                    "reason_zh": "上级单位即签发单位：请改为责任单位或责任领导",
                }
                for index, rule in enumerate(policy.rules)
                if rule.id in conflicts
            ],
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
        InternalEventType.escalation_policy_replaced,
        "inspection_round",
        round_id,
        internal.EscalationPolicyReplaced(round_id=round_id),
        org_path=rnd.org_path,
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


def _body_path(body: Any, loc: tuple[int | str, ...]) -> str:
    """The error's place in the body as sent: pydantic's location also names a tagged union's
    branch (`trigger.before_deadline.working_days`), which is no key of the body."""
    out, here = [], body
    for part in loc:
        if isinstance(here, dict) and isinstance(part, str) and part not in here:
            continue  # the branch's tag
        out.append(str(part))
        here = here[part] if isinstance(here, (dict, list)) and _has(here, part) else None  # type: ignore[index]
    return ".".join(out)


def _has(container: dict[str, Any] | list[Any], key: int | str) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and 0 <= key < len(container)
