"""The office's message wordings: each event kind and channel with its placeholders, and a
preview of an override rendered with sample values (nothing is stored or sent)."""

import jinja2
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EVENT_TYPES
from rectify_shared.message_templates import (
    DEFAULTS,
    KIND_LABELS,
    PLACEHOLDERS,
    environment,
    placeholders_of,
    sample_context,
)
from rectify_shared.models import MessageTemplate

from ..auth.principal import Principal
from ..core.errors import invalid
from .schemas import MessagePreview, MessageTemplateState, Placeholder, TemplatePut
from .service import CHANNELS


def _placeholders(*sources: str | None) -> list[Placeholder]:
    out = []
    for name in placeholders_of(*sources):
        description, example = PLACEHOLDERS.get(name, ("（未知变量，渲染为空）", None))
        out.append(Placeholder(name=name, description=description, example=example))
    return out


async def states(session: AsyncSession, principal: Principal) -> list[MessageTemplateState]:
    """Every event kind and channel with a person-facing message: the wording the office's
    messages use (its own, an office's above it, or the default) and its placeholders."""
    rows = (await session.execute(select(MessageTemplate))).scalars().all()
    nearest: dict[tuple[str, str], MessageTemplate] = {}
    for row in rows:
        owner = row.org_path or "/"
        if owner != "/" and not principal.org_path.startswith(owner):
            continue
        key = (row.event_type, row.channel)
        if key not in nearest or len(owner) > len(nearest[key].org_path or "/"):
            nearest[key] = row
    out = []
    for (kind, channel), (subject, body) in DEFAULTS.items():
        if kind not in EVENT_TYPES:
            continue  # digests: worded in code only
        row = nearest.get((kind, channel))
        state = MessageTemplateState(
            event_type=kind,
            event_label=KIND_LABELS.get(kind, kind),
            channel=channel,
            source="default",
            subject=subject,
            body=body,
            default_subject=subject,
            default_body=body,
            placeholders=_placeholders(subject, body),
        )
        if row is not None:
            state.source = "own" if row.org_path == principal.org_path else "inherited"
            state.subject, state.body, state.updated_by, state.updated_at = (
                row.subject,
                row.body,
                row.updated_by,
                row.updated_at,
            )
        out.append(state)
    return out


def preview(event_type: str, channel: str, data: TemplatePut) -> MessagePreview:
    """The wording rendered with sample values, as a recipient would read it (nothing is stored)."""
    if event_type not in EVENT_TYPES or channel not in CHANNELS:
        raise invalid("path", "unknown event type or channel", "未知事件类型或渠道", "Unknown event type or channel")
    env, context = environment(), sample_context()
    rendered: dict[str, str | None] = {}
    for field, text in (("subject", data.subject), ("body", data.body)):
        try:
            rendered[field] = env.from_string(text).render(context).strip() if text else None
        except jinja2.TemplateSyntaxError as exc:
            raise invalid(
                f"body.{field}",
                f"template syntax: {exc.message}",
                f"模板语法错误（第{exc.lineno}行）",
                "Template syntax error",
            ) from exc
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            raise invalid(
                f"body.{field}", f"cannot render: {exc}", "模板无法渲染", "The template does not render"
            ) from exc
    return MessagePreview(subject=rendered["subject"] or None, body=rendered["body"] or "")
