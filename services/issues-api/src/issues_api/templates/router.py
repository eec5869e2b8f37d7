"""Message templates (tag `notifications`)."""

from typing import Annotated

from fastapi import APIRouter, Path

from rectify_shared.events import EVENT_TYPES

from ..auth.deps import TemplatesManager
from ..core.deps import SessionDep
from ..core.errors import errors
from . import service, wording
from .schemas import MessagePreview, MessageTemplateState, TemplatePut, TemplateRead
from .service import CHANNELS

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.put("/templates/{event_type}/{channel}", response_model=TemplateRead, responses=errors(415, 422))
async def put_template(
    event_type: Annotated[str, Path(json_schema_extra={"enum": sorted(EVENT_TYPES)})],
    channel: Annotated[str, Path(json_schema_extra={"enum": list(CHANNELS)})],
    data: TemplatePut,
    principal: TemplatesManager,
    session: SessionDep,
) -> TemplateRead:
    """The office's own wording for an event kind and channel (Jinja2, zh-CN), for messages to its
    subtree: a league's office overrides the root's wording for its own units only."""
    return await service.put(session, principal, event_type, channel, data)


@router.get("/templates", response_model=list[MessageTemplateState])
async def list_templates(principal: TemplatesManager, session: SessionDep) -> list[MessageTemplateState]:
    """Every event kind and channel with a person-facing message: the wording the office's
    messages use (its own, an office's above it, or the default) and its placeholders."""
    return await wording.states(session, principal)


@router.post("/templates/{event_type}/{channel}/preview", response_model=MessagePreview, responses=errors(415, 422))
async def preview_template(
    event_type: Annotated[str, Path(json_schema_extra={"enum": sorted(EVENT_TYPES)})],
    channel: Annotated[str, Path(json_schema_extra={"enum": list(CHANNELS)})],
    data: TemplatePut,
    principal: TemplatesManager,
) -> MessagePreview:
    """The wording rendered with sample values, as a recipient would read it (nothing is stored)."""
    return wording.preview(event_type, channel, data)
