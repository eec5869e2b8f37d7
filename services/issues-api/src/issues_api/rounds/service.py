from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.document_settings import DocumentSettings
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import InspectionRound
from rectify_shared.models.types import utcnow

from ..auth.principal import Principal
from ..core.errors import invalid, not_found
from ..orgs import repository as orgs
from ..outbox.change import record_change
from . import repository
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
        EventType.round_created,
        "round",
        rnd.id,
        data=ev.RoundCreated(id=rnd.id, name=rnd.name),
        after=rnd.model_dump(mode="json"),
        org_path=org.path,
    )
    return rnd


async def put_document_settings(
    session: AsyncSession, principal: Principal, round_id: int, data: DocumentSettings
) -> InspectionRound:
    """Replace the round's document settings: the office keeping the round (its org in the caller's subtree)."""
    rnd = await repository.get_visible(session, principal, round_id)
    if rnd is None:
        raise not_found("督察轮次", "Inspection round")
    if not principal.subtree.contains(rnd.org_path):
        raise invalid("path.round_id", "not your office's round", "该督察轮次不由本单位管理", "Not your office's round")
    before = rnd.document_settings
    rnd.document_settings = data.model_dump(mode="json", exclude_defaults=True) or None
    rnd.updated_at = utcnow()
    assert rnd.id is not None
    await record_change(
        session,
        principal,
        EventType.round_document_settings_replaced,
        "round",
        rnd.id,
        data=ev.RoundDocumentSettingsReplaced(id=rnd.id),
        before={"document_settings": before},
        after={"document_settings": rnd.document_settings},
        org_path=rnd.org_path,
    )
    return rnd
