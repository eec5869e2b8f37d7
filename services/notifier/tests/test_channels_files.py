"""FileChannel (the embedded default) and the channel factory."""

import json

import pytest

from notifier.delivery.channels.base import OutgoingMessage, TransientError
from notifier.delivery.channels.email import SmtpChannel
from notifier.delivery.channels.factory import build_channels, describe
from notifier.delivery.channels.files import FileChannel
from notifier.delivery.channels.sms import SmsChannel
from notifier.delivery.channels.webhook import WebhookChannel
from rectify_shared.settings import Settings


def message(n: int) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id=n,
        idempotency_key=f"delivery-{n}",
        address="13800138000",
        subject="【整改通知】问题已逾期",
        body=f"问题 #{n} 已逾期，请尽快整改",
        extra={"template_params": {"no": str(n)}},
    )


async def test_messages_become_json_lines_with_chinese_text(tmp_path):
    path = tmp_path / "outbox" / "sms.jsonl"
    channel = FileChannel("sms", path)
    results = [await channel.send(message(n)) for n in (1, 2)]
    await channel.aclose()
    raw = path.read_bytes().decode("utf-8")
    assert "问题 #1 已逾期" in raw  # readable, not \\u escapes
    lines = [json.loads(line) for line in raw.splitlines()]
    assert [(r["id"], r["idempotency_key"], r["address"], r["body"]) for r in lines] == [
        (1, "delivery-1", "13800138000", "问题 #1 已逾期，请尽快整改"),
        (2, "delivery-2", "13800138000", "问题 #2 已逾期，请尽快整改"),
    ]
    assert lines[0]["subject"] == "【整改通知】问题已逾期" and lines[0]["template_params"] == {"no": "1"}
    assert all(r["at"].endswith("+00:00") for r in lines)
    assert [r.provider_message_id for r in results] == ["delivery-1", "delivery-2"]


async def test_an_unwritable_outbox_is_transient(tmp_path):
    (tmp_path / "outbox").write_text("a file where the folder should be")
    with pytest.raises(TransientError):
        await FileChannel("email", tmp_path / "outbox" / "email.jsonl").send(message(1))


def test_unconfigured_channels_write_to_files(tmp_path):
    channels = build_channels(Settings(data_dir=tmp_path, smtp_host="", sms_provider=""))  # type: ignore[call-arg]
    assert isinstance(channels["email"], FileChannel) and isinstance(channels["sms"], FileChannel)
    assert isinstance(channels["webhook"], WebhookChannel)
    assert describe(channels) == [
        f"Email: writing to {tmp_path / 'outbox' / 'email.jsonl'} (RECTIFY_SMTP_HOST not set)",
        f"SMS: writing to {tmp_path / 'outbox' / 'sms.jsonl'} (RECTIFY_SMS_PROVIDER not set)",
        "Webhooks: HTTP POST, Standard Webhooks signatures (webhook-id/-timestamp/-signature)",
        f"企业微信: writing to {tmp_path / 'outbox' / 'wecom.jsonl'} (RECTIFY_WECOM_CORP_ID not set)",
        f"钉钉: writing to {tmp_path / 'outbox' / 'dingtalk.jsonl'} (RECTIFY_DINGTALK_APP_KEY not set)",
        "企业微信群机器人: each org's robot URL on https://qyapi.weixin.qq.com",
        "钉钉群机器人: each org's robot URL on https://oapi.dingtalk.com",
    ]


async def test_configured_channels_are_real(tmp_path):
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path,
        smtp_host="smtp.example.cn",
        smtp_port=465,
        smtp_tls="ssl",
        smtp_user="rectify",
        sms_provider="aliyun",
        sms_access_key_id="id",
        sms_access_key_secret="secret",
        sms_sign_name="整改通",
    )
    channels = build_channels(settings)
    assert isinstance(channels["email"], SmtpChannel) and isinstance(channels["sms"], SmsChannel)
    lines = describe(channels)
    assert lines[0] == "Email: SMTP smtp.example.cn:465 (TLS: ssl, as rectify) from rectify@localhost"
    assert lines[1] == "SMS: aliyun via https://dysmsapi.aliyuncs.com"
    for channel in channels.values():
        await channel.aclose()


def test_a_half_configured_sms_provider_fails_at_start(tmp_path):
    with pytest.raises(ValueError, match="RECTIFY_SMS_ACCESS_KEY_ID"):
        build_channels(Settings(data_dir=tmp_path, sms_provider="tencent"))  # type: ignore[call-arg]
