"""Who hears of an event, how, and in what words: a pure function of the event and loaded rows.

An issued escalation goes to the addressed org (email to its contact address, SMS to its
contact phone, and its 企业微信/钉钉 group robots when it has them), to the issue's responsible
leader when the escalation names a person, and to the inbox of every active user of the org —
and to their own email, phone, 企业微信 and 钉钉, or into their daily digest, as their
notification preferences say (`rectify_shared.notification_prefs`).
Every event goes, as a webhook, to each active subscription that asked for its type and whose
org scope contains the event's org.

SMS to an org goes to its `mobile` (its `contact_phone` is a landline printed on documents).
No flood: the 预警 and 通报 one scan issues to a unit go out as one email and one SMS per
recipient listing them all (`siblings`; keyed by the scan's moment and the unit, so whichever of
their events arrives first records it, and the rest find it recorded); each letter still has its
own record and inbox message. 督办 and 约谈 are issued by a person, one message each.

An escalation created already issued by hand arrives twice (`escalation.created` in state
issued, then `escalation.issued`): its person-facing messages are keyed by the escalation's
issuance, not by either event, so the second arrival finds them already recorded.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rectify_shared.enums import ISSUE_STATUS_TEXT, IssueStatus
from rectify_shared.escalation_policy import LEVEL_TEXT, Level
from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType
from rectify_shared.ids import js_safe
from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import Escalation, Issue, Org, UserAccount, WebhookSubscription
from rectify_shared.notification_prefs import Preference, resolve_mode
from rectify_shared.timezone import CHINA_TZ

from .quiet import is_urgent
from .templates import ESCALATION_ISSUED, Override, brief, render, template_kind

OFFICE_NAME = "督察整改办"

#: which person-facing channels each kind of event uses (webhooks are for every event)
AUDIENCES: dict[str, frozenset[str]] = {
    ESCALATION_ISSUED: frozenset({"email", "sms", "inbox", "leader", "robot"}),
    EventType.issue_status_changed: frozenset({"inbox"}),
    EventType.progress_reported: frozenset(),
}


@dataclass(frozen=True)
class PlannedDelivery:
    channel: str  # email | sms | webhook | inbox
    recipient: str  # "org:12", "user:5", "leader:issue:9", "webhook:3"
    address: str
    subject: str | None
    body: str
    #: kept on the delivery row and handed to the channel (SMS template parameters, webhook payload)
    extra: dict[str, Any] = field(default_factory=dict)
    priority: str = "normal"  # urgent | normal
    #: the logical event the message belongs to when it is not the envelope itself
    event_key: str | None = None
    event_at: datetime | None = None
    #: immediate, or digest: held for the recipient's daily digest instead of being sent alone
    mode: str = "immediate"


@dataclass
class PlanContext:
    """The rows `plan` reads, loaded by the caller."""

    org: Org | None = None  # the org the message addresses (an escalation's addressed org, an issue's lead)
    users: list[UserAccount] = field(default_factory=list)  # active users of that org
    escalation: Escalation | None = None
    issue: Issue | None = None
    leader: dict[str, Any] | None = None  # the issue's 责任领导 {"name", "title", "phone", "email"}
    subscriptions: list[WebhookSubscription] = field(default_factory=list)
    overrides: dict[tuple[str, str], Override] = field(default_factory=dict)
    #: user id -> that user's notification preferences (rows of `notification_preference`)
    preferences: dict[int, list[Preference]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)  # more template variables
    #: the 预警/通报 the same scan issued to the same unit (this one included), by id: one digest
    siblings: list[Escalation] = field(default_factory=list)
    #: their problems, by id
    sibling_issues: dict[int, Issue] = field(default_factory=dict)


#: levels a scan issues by itself, sent to a unit as one digest per scan
DIGESTED_LEVELS = frozenset({"warning", "notice"})
SCAN_ACTOR = "notifier"
DIGEST_KIND = "escalation.digest"
#: channels on which one scan's 预警/通报 to a unit go out as one message (`siblings`)
SCAN_DIGEST_CHANNELS = frozenset({"email", "sms", "wecom", "dingtalk", "wecom_bot", "ding_bot"})
#: a user's own channels besides the inbox, and the `UserAccount` field holding the address
PERSONAL_CHANNELS = (("email", "email"), ("sms", "phone"), ("wecom", "wecom_userid"), ("dingtalk", "dingtalk_userid"))


def scan_digest_key(created_at: datetime, org_id: int) -> str:
    """The delivery key of one scan's digest to one unit: the scan's moment in microseconds (the
    key must fit `delivery.event_id`, 40 characters) and the unit."""
    return f"scan:{round(created_at.timestamp() * 1_000_000)}:o{org_id}"


def scan_digested(e: Escalation | None) -> bool:
    """A 预警/通报 the scan issued by itself: its email and SMS go out in the unit's scan digest."""
    return e is not None and e.level in DIGESTED_LEVELS and e.issued_by == SCAN_ACTOR


def envelope(event: EventEnvelope) -> dict[str, Any]:
    """What a webhook carries."""
    return {"id": event.id, "type": event.type, "timestamp": event.timestamp.isoformat(), "data": js_safe(event.data)}


def in_scope(subscription_path: str, org_path: str | None) -> bool:
    return org_path is not None and org_path.startswith(subscription_path)


def wants(subscription: WebhookSubscription, event_type: str, org_path: str | None) -> bool:
    types = subscription.event_types or []
    return (
        subscription.active
        and subscription.disabled_at is None
        and ("*" in types or event_type in types)
        and in_scope(subscription.org_path, org_path)
    )


def webhooks(
    event: EventEnvelope, org_path: str | None, subscriptions: list[WebhookSubscription]
) -> list[PlannedDelivery]:
    payload = envelope(event)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return [
        PlannedDelivery("webhook", f"webhook:{s.id}", s.url, None, body, {"payload": payload})
        for s in subscriptions
        if wants(s, event.type, org_path)
    ]


def task_names(issue: Issue | None, escalation: Escalation | None) -> tuple[str, str]:
    """(long, short) names of the task a message is about: 第N项问题“…”."""
    if issue is not None:
        return (
            f"第{issue.seq}项问题“{brief(issue.description, 30)}”",
            f"第{issue.seq}项问题“{brief(issue.description, 12)}”",
        )
    if escalation is not None and escalation.dispatch_round_id is not None:
        return "整改进展调度报送", "调度报送"
    return "整改任务", "整改任务"


def base_variables(event: EventEnvelope, ctx: PlanContext) -> dict[str, Any]:
    task, task_short = task_names(ctx.issue, ctx.escalation)
    variables: dict[str, Any] = {
        "task": task,
        "task_short": task_short,
        "office_name": OFFICE_NAME,
        "org_name": ctx.org.name if ctx.org else "",
        "issue_seq": ctx.issue.seq if ctx.issue else None,
        "description": ctx.issue.description if ctx.issue else "",
        "category": ctx.issue.category if ctx.issue else "",
        "deadline": ctx.issue.deadline if ctx.issue else None,
    }
    e = ctx.escalation
    if e is not None:
        issued_at = e.issued_at or event.timestamp
        variables.update(
            level=e.level,
            level_text=LEVEL_TEXT[Level(e.level)],
            reason=e.reason,
            response_due=e.response_due,
            doc_no=e.doc_no,
            issued_on=issued_at.astimezone(CHINA_TZ).date(),
        )
    if event.type == EventType.issue_status_changed:
        variables.update(
            from_text=_status_text(event.data.get("from")),
            to_text=_status_text(event.data.get("to")),
            reason=event.data.get("reason"),
        )
    return {**variables, **ctx.variables}


def _status_text(value: Any) -> str:
    try:
        return ISSUE_STATUS_TEXT[IssueStatus(value)]
    except ValueError:
        return str(value or "")


class _Writer:
    """Renders one event's messages for each recipient."""

    def __init__(self, event: EventEnvelope, kind: str, ctx: PlanContext, priority: str) -> None:
        self.event, self.kind, self.ctx, self.priority = event, kind, ctx, priority
        self.variables = base_variables(event, ctx)
        self.key: str | None = None
        self.at: datetime | None = None
        e = ctx.escalation
        if kind == ESCALATION_ISSUED and e is not None:
            self.key, self.at = f"escalation:{e.id}:issued", e.issued_at or event.timestamp
        #: email and SMS of a scan's 预警/通报: one digest per unit and scan (see the module doc)
        self.digest_key: str | None = None
        if kind == ESCALATION_ISSUED and scan_digested(e) and ctx.siblings:
            assert e is not None
            self.digest_key = scan_digest_key(e.created_at, e.addressed_org_id)
            letters = sorted(ctx.siblings, key=lambda x: x.id or 0)
            self.variables["letters"] = [
                {
                    "level_text": LEVEL_TEXT[Level(x.level)],
                    "reason": x.reason,
                    "task": task_names(ctx.sibling_issues.get(x.issue_id or 0), x)[0],
                }
                for x in letters
            ]
            self.variables["count"] = len(letters)
        self.out: list[PlannedDelivery] = []

    def add(
        self,
        channel: str,
        recipient: str,
        address: str | None,
        name: str,
        extra: dict[str, Any],
        mode: str = "immediate",
    ) -> None:
        address = (address or "").strip()
        if not address or mode == "off":
            return  # nobody to reach on this channel (or they asked not to be): nothing to owe
        variables = {**self.variables, "recipient_name": name}
        key = self.key
        if self.digest_key is not None and channel in SCAN_DIGEST_CHANNELS:
            key = self.digest_key
            subject, body = render({"type": DIGEST_KIND, "data": self.event.data}, variables, channel)
        else:
            subject, body = render(self.event, variables, channel, self.ctx.overrides.get((self.kind, channel)))
        if channel == "sms":
            extra = {**extra, "template_params": self.sms_params(name)}
        self.out.append(
            PlannedDelivery(channel, recipient, address, subject, body, extra, self.priority, key, self.at, mode)
        )

    def sms_params(self, name: str) -> dict[str, str]:
        """Parameters for providers' pre-approved SMS templates (Aliyun/Tencent)."""
        v = self.variables
        due = v.get("response_due")
        return {
            "name": name,
            "level": str(v.get("level_text") or ""),
            "task": str(v.get("task_short") or ""),
            "due": f"{due.month}月{due.day}日" if due is not None else "",
        }


def plan(event: EventEnvelope, org_path: str | None, context: PlanContext) -> list[PlannedDelivery]:
    out = webhooks(event, org_path, context.subscriptions)
    kind = template_kind(event.type, event.data)
    channels = AUDIENCES.get(kind or "", frozenset())
    e = context.escalation
    if kind is None or not channels:
        return out
    if kind == ESCALATION_ISSUED and (e is None or e.state == EscalationState.withdrawn):
        return out  # withdrawn before its messages were planned: they would announce a dead act
    urgent = e is not None and is_urgent(e.level)
    w = _Writer(event, kind, context, "urgent" if urgent else "normal")
    org = context.org
    if org is not None:
        if "email" in channels:
            w.add("email", f"org:{org.id}", org.contact_email, org.name, {})
        if "sms" in channels:
            # a mobile: `contact_phone` is the landline printed on documents, never texted
            w.add("sms", f"org:{org.id}", org.mobile, org.short_name or org.name, {})
        if "robot" in channels:  # the org's group chats: the URL and secret are read when sending
            for channel, url in (("wecom_bot", org.wecom_robot_url), ("ding_bot", org.dingtalk_robot_url)):
                w.add(channel, f"org:{org.id}", f"org:{org.id}" if url else None, org.name, {})
    if "leader" in channels and e is not None and e.addressed_person:
        leader = context.leader or e.addressed_person
        who = f"leader:issue:{e.issue_id}" if e.issue_id is not None else f"leader:escalation:{e.id}"
        name = f"{leader.get('name') or ''}同志"
        w.add("email", who, leader.get("email"), name, {})
        w.add("sms", who, leader.get("phone"), name, {})
    if "inbox" in channels:
        link = f"/escalations/{e.id}" if e is not None else (f"/issues/{context.issue.id}" if context.issue else None)
        # the console's page of the thing (WeCom textcard / DingTalk action card, under RECTIFY_PUBLIC_URL)
        page = f"/console/issues/{context.issue.id}" if context.issue is not None else "/console/letters"
        level = e.level if e is not None else None
        for user in context.users:
            if user.disabled_at is None:
                prefs = context.preferences.get(user.id or 0, [])
                name, who = user.display_name or user.username, f"user:{user.id}"
                w.add("inbox", who, str(user.id), name, {"link": link}, resolve_mode(prefs, kind, level, "inbox"))
                for channel, field_name in PERSONAL_CHANNELS:
                    mode = resolve_mode(prefs, kind, level, channel)
                    extra = {"link": page} if channel in ("wecom", "dingtalk") else {}
                    w.add(channel, who, getattr(user, field_name), name, extra, mode)
    return out + w.out
