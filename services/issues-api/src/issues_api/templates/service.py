"""An office's own wording of messages (Jinja2, zh-CN), per event kind and channel."""

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EVENT_TYPES
from rectify_shared.models import MessageTemplate
from rectify_shared.models.types import utcnow

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.errors import invalid
from .schemas import TemplatePut, TemplateRead

#: channels an office may word: 企业微信/钉钉 messages to users, and the org group robots
CHANNELS = ("email", "sms", "inbox", "wecom", "dingtalk", "wecom_bot", "ding_bot")


async def put(
    session: AsyncSession, principal: Principal, event_type: str, channel: str, data: TemplatePut
) -> TemplateRead:
    """Check the kind, the channel and the Jinja syntax; replace the office's own row; audit; commit."""
    if event_type not in EVENT_TYPES or channel not in CHANNELS:
        raise invalid("path", "unknown event type or channel", "未知事件类型或渠道", "Unknown event type or channel")
    env = SandboxedEnvironment()
    for field, text in (("body.subject", data.subject), ("body.body", data.body)):
        if text:
            try:
                env.parse(text)
            except jinja2.TemplateSyntaxError as exc:
                raise invalid(
                    field, f"template syntax: {exc.message}", "模板语法错误", "Template syntax error"
                ) from exc
    # the office's own row: it words messages to its subtree (nearest ancestor wins), never above it
    row = await session.get(MessageTemplate, (event_type, channel, principal.org_path))
    before = {"subject": row.subject, "body": row.body} if row else None
    if row is None:
        row = MessageTemplate(
            event_type=event_type,
            channel=channel,
            org_path=principal.org_path,
            subject=data.subject,
            body=data.body,
            updated_by=principal.name,
        )
        session.add(row)
    else:
        row.subject, row.body, row.updated_by, row.updated_at = data.subject, data.body, principal.name, utcnow()
    await record_audit(
        session,
        principal,
        "template.replaced",
        "message_template",
        f"{event_type}/{channel}",
        before=before,
        after={"subject": data.subject, "body": data.body},
        org_path=principal.org_path,
    )
    await session.commit()
    return TemplateRead(
        event_type=event_type,
        channel=channel,
        subject=row.subject,
        body=row.body,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )
