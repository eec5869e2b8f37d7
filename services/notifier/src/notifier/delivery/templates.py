"""Message wording: default Jinja2 templates (zh-CN) per event kind and channel, and rendering.

An office may override any (event kind, channel) pair through the `message_template` table;
overrides are untrusted text, so everything renders in a sandboxed environment, and an override
that fails to render falls back to the default instead of losing the message.
"""

from functools import lru_cache
from typing import Any, Protocol

import structlog
from jinja2 import Template, TemplateError

from rectify_shared.message_templates import (
    DEFAULTS,
    ESCALATION_ISSUED,
    FALLBACK,
    brief,
    cn_date,
    default_for,
    environment,
)

#: the wordings and filters live in `rectify_shared.message_templates` (the API lists and previews them)
__all__ = ["DEFAULTS", "ESCALATION_ISSUED", "FALLBACK", "brief", "cn_date", "default_for", "has_template", "render"]

from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType

log = structlog.get_logger("notifier.templates")


class Override(Protocol):
    """What `MessageTemplate` offers: an optional subject and a body, both Jinja2 sources."""

    subject: str | None
    body: str


def template_kind(event_type: str, data: dict[str, Any]) -> str | None:
    """Which wording an event takes: an escalation created already issued (by the scan, or by
    hand) reads like one issued later. None: the event has no person-facing message."""
    if event_type == ESCALATION_ISSUED or (
        event_type == EventType.escalation_created and data.get("state") == EscalationState.issued
    ):
        return ESCALATION_ISSUED
    if event_type in (EventType.issue_status_changed, EventType.progress_reported):
        return event_type
    return None


_ENV = environment()


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _ENV.from_string(source)


def has_template(kind: str, channel: str) -> bool:
    return default_for(kind, channel) is not None


def _render_pair(subject: str | None, body: str, variables: dict[str, Any]) -> tuple[str | None, str]:
    rendered_subject = _compile(subject).render(variables).strip() if subject else None
    return rendered_subject or None, _compile(body).render(variables).strip()


def render(
    event: Any, context: dict[str, Any], channel: str, override: Override | None = None
) -> tuple[str | None, str]:
    """(subject, body) of `event`'s message on `channel`; the office's override wins.

    `event` is the event envelope (anything with `type` and `data`, or its dict); the
    template sees `context` plus `event` (the envelope's data) and `event_type`.
    """
    event_type, data = (event["type"], event["data"]) if isinstance(event, dict) else (event.type, event.data)
    kind = template_kind(event_type, data) or event_type
    variables = {**context, "event": data, "event_type": event_type}
    if override is not None:
        try:
            return _render_pair(override.subject, override.body, variables)
        except (TemplateError, TypeError, ValueError) as exc:  # the office's text is broken: say so, send ours
            log.warning("template_override_failed", kind=kind, channel=channel, error=str(exc))
    default = default_for(kind, channel)
    if default is None:
        raise LookupError(f"no template for {kind} on {channel}")
    return _render_pair(*default, variables)
