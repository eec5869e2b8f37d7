"""Message wording: default Jinja2 templates (zh-CN) per event kind and channel, and rendering.

An office may override any (event kind, channel) pair through the `message_template` table;
overrides are untrusted text, so everything renders in a sandboxed environment, and an override
that fails to render falls back to the default instead of losing the message.
"""

from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol

import structlog
from jinja2 import Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType

log = structlog.get_logger("notifier.templates")

ESCALATION_ISSUED = EventType.escalation_issued


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


_TASK = "{{ task }}"
_ESCALATION_BODY = (
    "{{ recipient_name }}：\n\n"
    "{{ task }}{% if category %}（{{ category }}）{% endif %}：{{ reason }}。"
    "根据整改工作督办机制，现予以{{ level_text }}{% if doc_no %}（{{ doc_no }}）{% endif %}。\n"
    "{% if deadline %}整改时限：{{ deadline | cn_date }}。\n{% endif %}"
    "{% if response_due %}请于{{ response_due | cn_date }}前书面回复整改落实情况。\n{% endif %}"
    "\n{{ office_name }}\n{{ issued_on | cn_date }}\n"
)

#: (kind, channel) -> (subject, body)
DEFAULTS: dict[tuple[str, str], tuple[str | None, str]] = {
    (ESCALATION_ISSUED, "email"): (f"【{{{{ level_text }}}}】关于{_TASK}的{{{{ level_text }}}}通知", _ESCALATION_BODY),
    (ESCALATION_ISSUED, "sms"): (
        None,
        "【{{ level_text }}】{{ recipient_name }}：{{ task_short }}已被{{ level_text }}"
        "{% if response_due %}，请于{{ response_due | cn_date(false) }}前书面回复{% endif %}。",
    ),
    (ESCALATION_ISSUED, "inbox"): (
        f"【{{{{ level_text }}}}】{_TASK}",
        "{{ task }}：{{ reason }}，已予以{{ level_text }}。"
        "{% if deadline %}整改时限：{{ deadline | cn_date }}。{% endif %}"
        "{% if response_due %}请于{{ response_due | cn_date }}前书面回复。{% endif %}",
    ),
    (EventType.issue_status_changed, "email"): (
        f"{_TASK}整改状态变更为“{{{{ to_text }}}}”",
        "{{ recipient_name }}：\n\n{{ task }}的整改状态由“{{ from_text }}”变更为“{{ to_text }}”。"
        "{% if reason %}\n原因：{{ reason }}{% endif %}\n\n{{ office_name }}\n",
    ),
    (EventType.issue_status_changed, "sms"): (
        None,
        "{{ recipient_name }}：{{ task_short }}整改状态由“{{ from_text }}”变更为“{{ to_text }}”。",
    ),
    (EventType.issue_status_changed, "inbox"): (
        f"{_TASK}：{{{{ from_text }}}} → {{{{ to_text }}}}",
        "{{ task }}的整改状态由“{{ from_text }}”变更为“{{ to_text }}”。{% if reason %}原因：{{ reason }}{% endif %}",
    ),
    (EventType.progress_reported, "email"): (
        f"{{{{ reporting_org_name }}}}报送了{_TASK}的整改进展",
        "{{ recipient_name }}：\n\n{{ reporting_org_name }}于{{ reported_at | cn_date }}报送了{{ task }}的整改进展，"
        "请登录系统查阅。\n\n{{ office_name }}\n",
    ),
    (EventType.progress_reported, "inbox"): (
        f"{{{{ reporting_org_name }}}}报送了{_TASK}的整改进展",
        "{{ reporting_org_name }}于{{ reported_at | cn_date }}报送了{{ task }}的整改进展。",
    ),
    # one scan's 预警/通报 to one unit (`planner`): `letters` are {"level_text", "reason"}
    ("escalation.digest", "email"): (
        "【督办提醒】{{ org_name }}有{{ count }}项整改事项被预警或通报",
        "{{ recipient_name }}：\n\n根据整改工作督办机制，{{ issued_on | cn_date }}"
        "对你单位以下{{ count }}项整改事项予以预警或通报：\n\n"
        "{% for x in letters %}{{ loop.index }}. 【{{ x.level_text }}】{{ x.task }}：{{ x.reason }}\n{% endfor %}"
        "\n请登录系统逐项查阅，并按时书面回复整改落实情况。\n\n{{ office_name }}\n{{ issued_on | cn_date }}\n",
    ),
    ("escalation.digest", "sms"): (
        None,
        "【督办提醒】{{ recipient_name }}：你单位有{{ count }}项整改事项被预警或通报，请登录系统查阅并按时书面回复。",
    ),
    # the daily digest (`digest.py`): `items` are {"title", "at"}; `more` the ones not listed
    ("digest.daily", "email"): (
        "【每日汇总】{{ day | cn_date }}督察整改消息（{{ count }}条）",
        "{{ recipient_name }}：\n\n以下是截至{{ day | cn_date }}您设置为每日汇总的督察整改消息，共{{ count }}条：\n\n"
        "{% for item in items %}{{ loop.index }}. {{ item.title }}（{{ item.at }}）\n{% endfor %}"
        "{% if more %}……另有{{ more }}条，请登录系统查阅。\n{% endif %}"
        "\n{{ office_name | default('督察整改办') }}\n",
    ),
    ("digest.daily", "inbox"): (
        "【每日汇总】{{ day | cn_date }}督察整改消息（{{ count }}条）",
        "{% for item in items %}{{ loop.index }}. {{ item.title }}（{{ item.at }}）\n{% endfor %}"
        "{% if more %}……另有{{ more }}条。{% endif %}",
    ),
}


def cn_date(value: Any, year: bool = True) -> str:
    """2024-12-20 -> 2024年12月20日 (or 12月20日): how official letters and SMS write dates."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return "" if value is None else str(value)
    text = f"{value.month}月{value.day}日"
    return f"{value.year}年{text}" if year else text


def brief(value: Any, length: int = 20) -> str:
    """The first `length` characters, with an ellipsis when cut."""
    text = " ".join(str(value or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, trim_blocks=False, keep_trailing_newline=True)
    env.filters["cn_date"] = cn_date
    env.filters["brief"] = brief
    return env


_ENV = _environment()


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _ENV.from_string(source)


#: channels without wordings of their own take the first of these that has one: a user's
#: 企业微信/钉钉 message reads like the inbox message, an org's group robot like its email
FALLBACK: dict[str, tuple[str, ...]] = {
    "wecom": ("inbox", "email"),
    "dingtalk": ("inbox", "email"),
    "wecom_bot": ("email",),
    "ding_bot": ("email",),
}


def default_for(kind: str, channel: str) -> tuple[str | None, str] | None:
    for candidate in (channel, *FALLBACK.get(channel, ())):
        if (kind, candidate) in DEFAULTS:
            return DEFAULTS[(kind, candidate)]
    return None


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
