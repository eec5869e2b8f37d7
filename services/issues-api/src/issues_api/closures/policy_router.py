from fastapi import APIRouter

from ..auth.deps import ClosuresManager, LedgerReader
from ..core.deps import SessionDep
from ..core.errors import errors
from . import policy
from .policy import ClosurePolicyRead, ClosurePolicyWrite

router = APIRouter(prefix="/api/v1", tags=["closures"])


@router.get("/rounds/{round_id}/closure-policy", response_model=ClosurePolicyRead, responses=errors(404))
async def get_closure_policy(round_id: int, session: SessionDep, principal: LedgerReader) -> ClosurePolicyRead:
    """The round's closure policy: acceptance levels (org kinds, in order), the default notice,
    the re-attestation cycle of long-term tasks, and how petition cases close
    (`certification` — the default — or `writeoff`). `default` is true while the round has none of its own."""
    return await policy.get_policy(session, principal, round_id)


@router.put("/rounds/{round_id}/closure-policy", response_model=ClosurePolicyRead, responses=errors(404, 415, 422))
async def put_closure_policy(
    round_id: int, data: ClosurePolicyWrite, session: SessionDep, principal: ClosuresManager
) -> ClosurePolicyRead:
    """Replace the round's closure policy (the office keeping the round). Closures applied afterwards
    take their acceptance levels from it; running closures keep theirs."""
    row = await policy.put_policy(session, principal, round_id, data)
    await session.commit()
    return policy.policy_read(round_id, row)
