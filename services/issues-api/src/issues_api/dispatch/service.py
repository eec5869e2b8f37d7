from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import DispatchObligation, DispatchRound
from rectify_shared.timezone import end_of_day

from ..auth.principal import Principal
from ..core.errors import invalid
from ..outbox.change import record_change
from ..rounds import repository as rounds
from . import repository
from .errors import DISPATCH_ROUND_EXISTS
from .schemas import DispatchRoundCreate


async def open_round(session: AsyncSession, principal: Principal, data: DispatchRoundCreate) -> DispatchRound:
    """Open a dispatch round: every unit with open work in the caller's subtree now owes a report."""
    rnd = await rounds.get_visible(session, principal, data.round_id)
    if rnd is None:
        raise invalid("body.round_id", "no such round", "督察轮次不存在", "Inspection round does not exist")
    cutoff = data.cutoff if isinstance(data.cutoff, datetime) else end_of_day(data.cutoff)
    t = repository.DISPATCH_ROUND
    exists = await session.execute(
        t.select().where(
            (t.c.round_id == data.round_id) & (t.c.frequency == data.frequency) & (t.c.period == data.period)
        )
    )
    if exists.first() is not None:
        raise DISPATCH_ROUND_EXISTS.error(period=data.period, details=[{"field": "body.period", "reason": "exists"}])
    dispatch = DispatchRound(
        round_id=data.round_id,
        frequency=data.frequency,
        period=data.period,
        cutoff=cutoff,
        # the dispatch round belongs to the ledger it dispatches (visible where the round is)
        org_id=rnd.org_id,
        org_path=rnd.org_path,
        created_by=principal.name,
    )
    session.add(dispatch)
    await session.flush()
    assert dispatch.id is not None
    units = await repository.units_with_open_work(session, data.round_id, principal.scope)
    for org_id, org_path in {(u[0], u[1]) for u in units}:
        session.add(DispatchObligation(dispatch_round_id=dispatch.id, org_id=org_id, org_path=org_path))
    await record_change(
        session,
        principal,
        EventType.dispatch_opened,
        "dispatch_round",
        dispatch.id,
        data=ev.DispatchOpened(
            id=dispatch.id,
            round_id=dispatch.round_id,
            frequency=dispatch.frequency,
            period=dispatch.period,
            cutoff=cutoff,
            owed=len(units),
        ),
        org_path=rnd.org_path,
    )
    return dispatch
