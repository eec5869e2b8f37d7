"""Per-user notification preferences: the vocabulary issues-api validates and the notifier applies.

A preference says how a user wants one kind of event on one channel: `immediate`, `digest`
(one message a day listing them) or `off`. The most specific preference wins: the event type
and escalation level, then the event type, then "*". Without one: the in-app inbox, 企业微信 and
钉钉 (when the user's userid is set) at once, email and SMS not at all (the org's contact address
and phone already get them).

Escalations at 督办/约谈 level always reach the person at once: the notifier ignores `off`
and `digest` for them (the inbox is never switched off), and the API refuses to store such a
preference for those levels, so nobody believes they opted out of one.
"""

from collections.abc import Iterable
from typing import Protocol

from .escalation_policy import Level
from .events import EventType

MODES = ("immediate", "digest", "off")
CHANNELS = ("inbox", "email", "sms", "wecom", "dingtalk")
#: 企业微信 and 钉钉 reach a user only once their userid is set (by them or an administrator):
#: setting it is the opt-in, so those messages go at once unless a preference says otherwise
DEFAULT_MODES: dict[str, str] = {"inbox": "immediate", "email": "off", "sms": "off", "wecom": "immediate",
                                 "dingtalk": "immediate"}  # fmt: skip
#: the kinds of event that reach users, and so the ones a preference can name (besides "*")
PERSONAL_EVENT_TYPES: tuple[str, ...] = (EventType.escalation_issued.value, EventType.issue_status_changed.value)
#: a `level` is meaningful only for these
LEVELLED_EVENT_TYPES: tuple[str, ...] = (EventType.escalation_issued.value,)
#: 督办 and 约谈: must reach the person at once
URGENT_LEVELS = frozenset({Level.supervision.value, Level.summons.value})
#: channels whose messages can be gathered in a digest (an SMS list of ten items is not a message)
DIGEST_CHANNELS = ("inbox", "email", "wecom", "dingtalk")


class Preference(Protocol):
    event_type: str
    level: str
    channel: str
    mode: str


def _score(p: Preference, kind: str, level: str | None) -> int:
    """How specifically `p` names this message; -1 when it does not apply."""
    if p.level and p.level != level:
        return -1
    if p.event_type == kind:
        return 3 if p.level else 2
    return 1 if p.event_type == "*" else -1


def resolve_mode(prefs: Iterable[Preference], kind: str, level: str | None, channel: str) -> str:
    """immediate | digest | off for one message on one channel."""
    best, best_score = None, 0
    for p in prefs:
        if p.channel != channel:
            continue
        score = _score(p, kind, level)
        if score > best_score:
            best, best_score = p, score
    mode = best.mode if best is not None else DEFAULT_MODES.get(channel, "off")
    if mode == "digest" and channel not in DIGEST_CHANNELS:
        mode = "immediate"
    if level in URGENT_LEVELS and (mode == "digest" or channel == "inbox"):
        return "immediate"  # urgent: never held for a digest, never kept out of the inbox
    return mode
