"""Which channel sends what: real SMTP / SMS when configured, files under the data dir otherwise."""

from collections.abc import Mapping

from rectify_shared.settings import Settings

from .base import Channel
from .email import SmtpChannel
from .files import FileChannel
from .sms import SmsChannel
from .webhook import WebhookChannel

LABELS = {"email": "Email", "sms": "SMS", "webhook": "Webhooks"}


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The three channels. Raises ValueError when an SMS provider is chosen but not fully configured."""
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
    return {"email": email, "sms": sms, "webhook": WebhookChannel(settings)}


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
        elif isinstance(channel, WebhookChannel):
            lines.append(f"{label}: HTTP POST, Standard Webhooks signatures (webhook-id/-timestamp/-signature)")
        else:
            lines.append(f"{label}: {type(channel).__name__}")
    return lines
