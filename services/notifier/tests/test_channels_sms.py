"""SmsChannel against a local HTTP server that checks signatures the way the providers do (sms_providers.py).

The known-answer vectors come from the official SDKs (alibabacloud_openapi_util 0.2.4 / alibabacloud_tea_openapi
0.4.6 `get_authorization`, tencentcloud-sdk-python-common 3.1.195 `_get_tc3_signature`) for the same fixed requests.
"""

import hashlib
import hmac
import json
import time

import pytest

from notifier.delivery.channels import aliyun, tencent
from notifier.delivery.channels.base import OutgoingMessage, PermanentError, TransientError
from notifier.delivery.channels.sms import SmsChannel, sms_length_ok, sms_segments
from rectify_shared.settings import Settings

from .channel_servers import RawRequest, free_port, http_stub
from .sms_providers import KEY_ID, SECRET, aliyun_server, tencent_server, verify_acs3, verify_tc3


def settings(provider: str, url: str, secret: str = SECRET, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "sms_provider": provider,
        "sms_url": url,
        "sms_access_key_id": KEY_ID,
        "sms_access_key_secret": secret,
        "sms_sign_name": "整改通",
        "sms_template_code": "SMS_900001" if provider == "aliyun" else "1900001",
        "sms_app_id": "1400123456",
        "sms_timeout": 2.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def message(**extra: object) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id=3,
        idempotency_key="delivery-3",
        address="13800138000",
        subject=None,
        body="问题 #12 已逾期，请尽快整改",
        extra=dict(extra),
    )


# --- known answers from the official SDKs -------------------------------------------------------


def test_aliyun_signature_matches_the_official_sdk():
    headers = {
        "host": "dysmsapi.aliyuncs.com",
        "x-acs-action": "SendSms",
        "x-acs-version": "2017-05-25",
        "x-acs-date": "2025-03-04T05:06:07Z",
        "x-acs-signature-nonce": "3f2a9c0e5b7d41e8a6c4b2d0f1e3a5c7",
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    query = {
        "PhoneNumbers": "13800138000",
        "SignName": "整改通",
        "TemplateCode": "SMS_123456789",
        "TemplateParam": '{"content":"问题 #12 已逾期，请尽快整改 (A*B~C)"}',
        "OutId": "delivery-42:1",
    }
    auth = aliyun.sign(
        method="POST",
        path="/",
        query=query,
        headers=headers,
        body=b"",
        access_key_id="LTAI5tTestKeyId0000",
        access_key_secret="TestSecretAbc123XyzTestSecret0",
    )
    assert auth == (
        "ACS3-HMAC-SHA256 Credential=LTAI5tTestKeyId0000,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
        "x-acs-date;x-acs-signature-nonce;x-acs-version,"
        "Signature=f2746197d324f5395e2eb02ee6ccebab9a1b47d4cf30c2db16eb86d2ef146406"
    )


def test_tencent_signature_matches_the_official_sdk():
    body = (
        '{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400000000","SignName":"整改通",'
        '"TemplateId":"1234567","TemplateParamSet":["问题 #12 已逾期"],"SessionContext":"delivery-42:1"}'
    ).encode()
    auth = tencent.sign(
        host="sms.tencentcloudapi.com",
        body=body,
        timestamp=1741064767,
        secret_id="AKIDtestSecretId00000000000000",
        secret_key="testSecretKey0000000000000000000",
    )
    assert auth == (
        "TC3-HMAC-SHA256 Credential=AKIDtestSecretId00000000000000/2025-03-04/sms/tc3_request, "
        "SignedHeaders=content-type;host, Signature=25b4a74b5288a91a1e6b2b338c775a8883539fc50472dc94426dca181915234f"
    )


# --- over the wire --------------------------------------------------------------------------------


async def test_aliyun_send_is_accepted_by_a_verifying_server():
    with http_stub(aliyun_server) as stub:
        channel = SmsChannel(settings("aliyun", stub.url))
        result = await channel.send(message(template_params={"no": "12", "title": "消防通道*堵塞~"}))
        await channel.aclose()
    assert result.provider_message_id == "900619746936498440^0"
    params = verify_acs3(stub.requests[0], SECRET)
    assert params == {
        "PhoneNumbers": "13800138000",
        "SignName": "整改通",
        "TemplateCode": "SMS_900001",
        "TemplateParam": '{"no":"12","title":"消防通道*堵塞~"}',
        "OutId": "delivery-3",
    }


async def test_tencent_send_is_accepted_by_a_verifying_server():
    with http_stub(tencent_server) as stub:
        channel = SmsChannel(settings("tencent", stub.url))
        result = await channel.send(message())
        await channel.aclose()
    assert result.provider_message_id == "5000:1045710669157053657849499619"
    body = verify_tc3(stub.requests[0], SECRET)
    assert body == {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": "1400123456",
        "SignName": "整改通",
        "TemplateId": "1900001",
        "TemplateParamSet": ["问题 #12 已逾期，请尽快整改"],
        "SessionContext": "delivery-3",
    }
    assert stub.requests[0].headers["x-tc-region"] == "ap-guangzhou"


@pytest.mark.parametrize("provider, server", [("aliyun", aliyun_server), ("tencent", tencent_server)])
async def test_a_wrong_secret_is_rejected_and_permanent(provider, server):
    with http_stub(server) as stub:
        channel = SmsChannel(settings(provider, stub.url, secret="not-the-secret"))
        with pytest.raises(PermanentError):
            await channel.send(message())
        await channel.aclose()
    assert len(stub.requests) == 1


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "generic"])
async def test_server_errors_and_throttling_are_transient(provider):
    with http_stub(lambda r: (500, {}, {"Code": "InternalError"})) as stub:
        with pytest.raises(TransientError):
            await SmsChannel(settings(provider, stub.url)).send(message())
        stub.respond = lambda r: (429, {}, {})
        with pytest.raises(TransientError):
            await SmsChannel(settings(provider, stub.url)).send(message())


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "generic"])
async def test_a_slow_server_is_transient(provider):
    with http_stub(aliyun_server) as stub:
        stub.delay = 3.0
        channel = SmsChannel(settings(provider, stub.url, sms_timeout=0.3))
        started = time.monotonic()
        with pytest.raises(TransientError):
            await channel.send(message())
        assert time.monotonic() - started < 2.0


async def test_nothing_listening_is_transient():
    with pytest.raises(TransientError):
        await SmsChannel(settings("aliyun", f"http://127.0.0.1:{free_port()}")).send(message())


@pytest.mark.parametrize(
    "provider, answer, error",
    [
        ("aliyun", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}, TransientError),
        ("aliyun", {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}, PermanentError),
        ("aliyun", {"Code": "isv.SMS_TEMPLATE_ILLEGAL"}, PermanentError),
        ("tencent", {"Response": {"Error": {"Code": "LimitExceeded.PhoneNumberDailyLimit"}}}, TransientError),
        ("tencent", {"Response": {"Error": {"Code": "InternalError.Timeout"}}}, TransientError),
        ("tencent", {"Response": {"Error": {"Code": "UnauthorizedOperation.SmsSdkAppIdVerifyFail"}}}, PermanentError),
        (
            "tencent",
            {"Response": {"SendStatusSet": [{"Code": "InvalidParameterValue.IncorrectPhoneNumber", "SerialNo": ""}]}},
            PermanentError,
        ),
        (
            "tencent",
            {"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberOneHourLimit"}]}},
            TransientError,
        ),
    ],
)
async def test_provider_error_codes_in_a_200_answer(provider, answer, error):
    with http_stub(lambda r: (200, {}, answer)) as stub:
        with pytest.raises(error):
            await SmsChannel(settings(provider, stub.url)).send(message())


async def test_generic_gateway_gets_a_signed_json_post():
    def gateway(req: RawRequest):
        digest = hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
        if req.headers.get("x-rectify-signature") != f"sha256={digest}":
            return 401, {}, {"error": "bad signature"}
        return 202, {}, {"id": "gw-77"}

    with http_stub(gateway) as stub:
        result = await SmsChannel(settings("generic", stub.url)).send(message())
        with pytest.raises(PermanentError):
            await SmsChannel(settings("generic", stub.url, secret="wrong")).send(message())
    assert result.provider_message_id == "gw-77"
    req = stub.requests[0]
    assert json.loads(req.body) == {"to": "13800138000", "text": "问题 #12 已逾期，请尽快整改", "id": "delivery-3"}
    assert req.headers["idempotency-key"] == "delivery-3"


async def test_a_bad_phone_number_is_permanent_without_a_request():
    with http_stub(aliyun_server) as stub:
        bad = OutgoingMessage(delivery_id=1, idempotency_key="k", address="call me", subject=None, body="x")
        for provider in ("aliyun", "tencent"):
            with pytest.raises(PermanentError):
                await SmsChannel(settings(provider, stub.url)).send(bad)
    assert stub.requests == []


def test_phone_number_formats():
    assert aliyun.phone_number("+86 138-0013-8000") == "13800138000"
    assert aliyun.phone_number("+85261234567") == "85261234567"
    assert tencent.phone_number("13800138000") == "+8613800138000"
    assert tencent.phone_number("+8613800138000") == "+8613800138000"
    assert tencent.phone_number("0085261234567") == "+85261234567"


def test_incomplete_provider_settings_fail_at_start():
    with pytest.raises(ValueError, match="RECTIFY_SMS_ACCESS_KEY_ID"):
        SmsChannel(settings("aliyun", "", sms_access_key_id=""))
    with pytest.raises(ValueError, match="RECTIFY_SMS_APP_ID"):
        SmsChannel(settings("tencent", "", sms_app_id=""))
    with pytest.raises(ValueError, match="RECTIFY_SMS_URL"):
        SmsChannel(settings("generic", ""))


def test_sms_length():
    assert sms_length_ok("问" * 70) and not sms_length_ok("问" * 71)
    assert not sms_length_ok("问" * 66, sign_name="整改通")  # 【整改通】 takes 5 of the 70
    assert sms_segments("问" * 70) == 1 and sms_segments("问" * 71) == 2 and sms_segments("问" * 135) == 3
    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2
