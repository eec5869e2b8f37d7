"""Which channel sends what: real SMTP / SMS when configured, files under the data dir otherwise."""

from collections.abc import Mapping
from typing import Any

from rectify_shared.settings import Settings

from .base import Channel
from .dingtalk import DingTalkChannel, DingTalkRobotChannel
from .email import SmtpChannel
from .files import FileChannel
from .sms import SmsChannel
from .webhook import WebhookChannel
from .wecom import WeComChannel, WeComRobotChannel

LABELS = {"email": "Email", "sms": "SMS", "webhook": "Webhooks", "wecom": "企业微信", "dingtalk": "钉钉",
          "wecom_bot": "企业微信群机器人", "ding_bot": "钉钉群机器人"}  # fmt: skip


def build_channels(settings: Settings, redis: Any = None) -> dict[str, Channel]:
    """Every channel. Raises ValueError when an SMS provider, WeCom or DingTalk is chosen but not
    fully configured. `redis` (the worker's) holds the WeCom/DingTalk access tokens for every process."""
    outbox = settings.data_dir / "outbox"
    email: Channel = (
        SmtpChannel(settings)
        if settings.smtp_host
        else FileChannel("email", outbox / "email.jsonl", reason="RECTIFY_SMTP_HOST not set")
    )
    sms: Channel = (
        SmsChannel(settings)
        if settings.sms_provider
        else FileChannel("sms", outbox / "sms.jsonl", reason="RECTIFY_SMS_PROVIDER not set")
    )
    wecom: Channel = (
        WeComChannel(settings, redis)
        if settings.wecom_corp_id
        else FileChannel("wecom", outbox / "wecom.jsonl", reason="RECTIFY_WECOM_CORP_ID not set")
    )
    dingtalk: Channel = (
        DingTalkChannel(settings, redis)
        if settings.dingtalk_app_key
        else FileChannel("dingtalk", outbox / "dingtalk.jsonl", reason="RECTIFY_DINGTALK_APP_KEY not set")
    )
    return {
        "email": email, "sms": sms, "webhook": WebhookChannel(settings), "wecom": wecom, "dingtalk": dingtalk,
        "wecom_bot": WeComRobotChannel(settings), "ding_bot": DingTalkRobotChannel(settings),
    }  # fmt: skip


def describe(channels: Mapping[str, Channel]) -> list[str]:
    """One line per channel for the start-up log."""
    lines = []
    for key, channel in channels.items():
        label = LABELS.get(key, key)
        if isinstance(channel, FileChannel):
            why = f" ({channel.reason})" if channel.reason else ""
            lines.append(f"{label}: writing to {channel.path}{why}")
        elif isinstance(channel, SmtpChannel):
            auth = f", as {channel.username}" if channel.username else ""
            where = f"{channel.host}:{channel.port}"
            lines.append(f"{label}: SMTP {where} (TLS: {channel.tls}{auth}) from {channel.sender}")
        elif isinstance(channel, SmsChannel):
            lines.append(f"{label}: {channel.provider} via {channel.url}")
        elif isinstance(channel, WeComChannel | DingTalkChannel):
            lines.append(f"{label}: {channel.base_url} (agent {channel.agent_id}; access token shared in Redis)")
        elif isinstance(channel, WeComRobotChannel | DingTalkRobotChannel):
            lines.append(f"{label}: each org's robot URL on {channel.base_url}")
        elif isinstance(channel, WebhookChannel):
            lines.append(f"{label}: HTTP POST, Standard Webhooks signatures (webhook-id/-timestamp/-signature)")
        else:
            lines.append(f"{label}: {type(channel).__name__}")
    return lines
