"""A round's closure policy (levels, notice, attestation cycle, petition closure), stored with the round.

Everything that applies the policy asks `policy_for(round_id)`; a round without a policy of its own
gets the global default (`DEFAULT_CLOSURE_POLICY`).
"""

from datetime import datetime

from pydantic import ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import DEFAULT_CLOSURE_POLICY, ClosurePolicy
from rectify_shared.events import EventType
from rectify_shared.events import workflow as wf
from rectify_shared.models import ClosurePolicyRecord
from rectify_shared.models.types import utcnow

from ..auth.principal import Principal
from ..core.errors import invalid, not_found
from ..outbox.change import record_change
from ..rounds import repository as rounds

_FIELDS = tuple(ClosurePolicy.model_fields)


class ClosurePolicyWrite(ClosurePolicy):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "acceptance_levels": ["county", "league"],
                    "step_working_days": 10,
                    "publicity_days": 10,
                    "publicity_day_kind": "working",
                    "attestation_cycle": "quarterly",
                    "petition_closure": "writeoff",
                }
            ]
        },
    )


class ClosurePolicyRead(ClosurePolicy):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "round_id": 1,
                    "acceptance_levels": ["county", "league"],
                    "step_working_days": 10,
                    "publicity_days": 10,
                    "publicity_day_kind": "working",
                    "attestation_cycle": "quarterly",
                    "petition_closure": "certification",
                    "default": True,
                    "updated_by": None,
                    "updated_at": None,
                }
            ]
        }
    )

    round_id: int
    default: bool = Field(description="True when the round has no policy of its own (the global default)")
    updated_by: str | None = None
    updated_at: datetime | None = None


def _policy(row: ClosurePolicyRecord) -> ClosurePolicy:
    return ClosurePolicy.model_validate({name: getattr(row, name) for name in _FIELDS})


async def policy_for(session: AsyncSession, round_id: int | None) -> ClosurePolicy:
    """The round's policy, else the global default."""
    row = await session.get(ClosurePolicyRecord, round_id) if round_id is not None else None
    return _policy(row) if row is not None else DEFAULT_CLOSURE_POLICY


def policy_read(round_id: int, row: ClosurePolicyRecord | None) -> ClosurePolicyRead:
    if row is None:
        return ClosurePolicyRead(round_id=round_id, default=True, **DEFAULT_CLOSURE_POLICY.model_dump())
    return ClosurePolicyRead(
        round_id=round_id,
        default=False,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        **_policy(row).model_dump(),
    )


async def get_policy(session: AsyncSession, principal: Principal, round_id: int) -> ClosurePolicyRead:
    if await rounds.get_visible(session, principal, round_id) is None:
        raise not_found("督察轮次", "Inspection round")
    return policy_read(round_id, await session.get(ClosurePolicyRecord, round_id))


async def put_policy(
    session: AsyncSession, principal: Principal, round_id: int, data: ClosurePolicyWrite
) -> ClosurePolicyRecord:
    """Replace the round's policy: the office keeping the round (its org in the caller's subtree)."""
    rnd = await rounds.get_visible(session, principal, round_id)
    if rnd is None:
        raise not_found("督察轮次", "Inspection round")
    if not principal.subtree.contains(rnd.org_path):
        raise invalid("path.round_id", "not your office's round", "该督察轮次不由本单位管理", "Not your office's round")
    if len(set(data.acceptance_levels)) != len(data.acceptance_levels):
        raise invalid(
            "body.acceptance_levels", "repeated level", "验收层级不能重复", "An acceptance level is named twice"
        )
    values = ClosurePolicy.model_validate(data.model_dump()).model_dump(mode="json")
    row = await session.get(ClosurePolicyRecord, round_id, with_for_update=True)
    before = {name: getattr(row, name) for name in _FIELDS} if row is not None else None
    if row is None:
        row = ClosurePolicyRecord(round_id=round_id, updated_by=principal.name, **values)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = principal.name, utcnow()
    await record_change(
        session,
        principal,
        EventType.closure_policy_replaced,
        "closure_policy",
        round_id,
        data=wf.ClosurePolicyReplaced(round_id=round_id, **values),
        before=before,
        org_path=rnd.org_path,
    )
    return row
