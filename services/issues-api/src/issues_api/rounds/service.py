from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import InspectionRound

from ..core.errors import invalid
from ..orgs import repository as orgs
from ..outbox.writer import record_event
from .schemas import RoundCreate


async def create(session: AsyncSession, data: RoundCreate) -> InspectionRound:
    org = await orgs.get(session, data.org_id)
    if org is None:
        raise invalid("body.org_id", "no such org", "单位不存在", "Org does not exist")
    rnd = InspectionRound(**data.model_dump(), org_path=org.path)
    session.add(rnd)
    await session.flush()
    assert rnd.id is not None
    record_event(session, "round.created", "round", rnd.id, {"id": rnd.id, "name": rnd.name}, org_path=org.path)
    return rnd
