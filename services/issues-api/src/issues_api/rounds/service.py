from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import InspectionRound

from ..auth.principal import Principal
from ..core.errors import invalid
from ..orgs import repository as orgs
from ..outbox.change import record_change
from .schemas import RoundCreate


async def create(session: AsyncSession, principal: Principal, data: RoundCreate) -> InspectionRound:
    org = await orgs.get(session, data.org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise invalid(
            "body.org_id", "no such org in your scope", "单位不存在或不在管辖范围内", "Org does not exist in your scope"
        )
    rnd = InspectionRound(**data.model_dump(), org_path=org.path)
    session.add(rnd)
    await session.flush()
    assert rnd.id is not None
    await record_change(
        session,
        principal,
        "round.created",
        "round",
        rnd.id,
        data={"id": rnd.id, "name": rnd.name},
        after=rnd.model_dump(mode="json"),
        org_path=org.path,
    )
    return rnd
