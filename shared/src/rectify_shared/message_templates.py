"""Message wording shared by the notifier (which renders it) and the API (which lists it for the
office and previews an override): the default Jinja2 templates (zh-CN) per event kind and
channel, the wording filters, the sandboxed environment, and the placeholders with sample values.
"""

from datetime import date, datetime
from typing import Any

from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

ESCALATION_ISSUED = "escalation.issued"

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
    ("issue.status_changed", "email"): (
        f"{_TASK}整改状态变更为“{{{{ to_text }}}}”",
        "{{ recipient_name }}：\n\n{{ task }}的整改状态由“{{ from_text }}”变更为“{{ to_text }}”。"
        "{% if reason %}\n原因：{{ reason }}{% endif %}\n\n{{ office_name }}\n",
    ),
    ("issue.status_changed", "sms"): (
        None,
        "{{ recipient_name }}：{{ task_short }}整改状态由“{{ from_text }}”变更为“{{ to_text }}”。",
    ),
    ("issue.status_changed", "inbox"): (
        f"{_TASK}：{{{{ from_text }}}} → {{{{ to_text }}}}",
        "{{ task }}的整改状态由“{{ from_text }}”变更为“{{ to_text }}”。{% if reason %}原因：{{ reason }}{% endif %}",
    ),
    ("progress.reported", "email"): (
        f"{{{{ reporting_org_name }}}}报送了{_TASK}的整改进展",
        "{{ recipient_name }}：\n\n{{ reporting_org_name }}于{{ reported_at | cn_date }}报送了{{ task }}的整改进展，"
        "请登录系统查阅。\n\n{{ office_name }}\n",
    ),
    ("progress.reported", "inbox"): (
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


def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, trim_blocks=False, keep_trailing_newline=True)
    env.filters["cn_date"] = cn_date
    env.filters["brief"] = brief
    return env


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


#: the event kinds with a person-facing message, as the office says them
KIND_LABELS = {
    ESCALATION_ISSUED: "预警/通报/督办/约谈函发出",
    "issue.status_changed": "整改状态变更",
    "progress.reported": "整改进展报送",
    "escalation.digest": "督办提醒汇总",
    "digest.daily": "每日汇总",
}

_LETTERS = [{"level_text": "预警", "task": "第10项问题", "reason": "逾期未完成整改"}]
_ITEMS = [{"title": "第10项问题整改状态变更为“已完成”", "at": "12月2日 09:15"}]

#: every placeholder the default wordings use: (description, sample value for a preview)
PLACEHOLDERS: dict[str, tuple[str, Any]] = {
    "recipient_name": ("收件人（单位或个人）名称", "阿巴嘎旗人民政府"),
    "office_name": ("整改办名称", "锡林郭勒盟督察整改办"),
    "org_name": ("被督办单位名称", "阿巴嘎旗人民政府"),
    "task": ("整改任务（序号与问题）", "第10项问题（草原过度放牧）"),
    "task_short": ("整改任务（短称，用于短信）", "第10项问题"),
    "category": ("问题类别", "生态破坏"),
    "reason": ("原因", "逾期未完成整改"),
    "level_text": ("督办级别（预警、通报、督办、约谈）", "预警"),
    "doc_no": ("文号", "锡督改〔2024〕12号"),
    "deadline": ("整改时限（日期，可用 cn_date 过滤器）", "2024-12-31"),
    "response_due": ("书面回复期限（日期）", "2024-12-20"),
    "issued_on": ("发出日期", "2024-12-16"),
    "from_text": ("变更前状态", "整改中"),
    "to_text": ("变更后状态", "已完成"),
    "reporting_org_name": ("报送单位", "阿巴嘎旗人民政府"),
    "reported_at": ("报送时间", "2024-12-02"),
    "count": ("事项数量", 1),
    "letters": ("督办事项列表（level_text、task、reason）", _LETTERS),
    "day": ("汇总日期", "2024-12-02"),
    "items": ("汇总消息列表（title、at）", _ITEMS),
    "more": ("未列出的消息条数", 0),
    "event": ("事件数据（event.issue_id 等）", {"issue_id": 10}),
    "event_type": ("事件类型", ESCALATION_ISSUED),
}


def sample_context() -> dict[str, Any]:
    return {name: value for name, (_, value) in PLACEHOLDERS.items()}


def placeholders_of(*sources: str | None) -> list[str]:
    """The variables the templates use, in the order PLACEHOLDERS lists them (unknown ones last)."""
    env = environment()
    used: set[str] = set()
    for source in sources:
        if source:
            used |= meta.find_undeclared_variables(env.parse(source))
    return [n for n in PLACEHOLDERS if n in used] + sorted(used - set(PLACEHOLDERS))
