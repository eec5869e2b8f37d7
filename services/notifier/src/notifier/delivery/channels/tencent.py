"""Tencent Cloud SMS (2021-01-11, SendSms) signed with TC3-HMAC-SHA256.

The algorithm (Tencent Cloud API 3.0 "签名方法 v3"):

    CanonicalRequest = POST \n / \n (empty query) \n content-type:<ct>\nhost:<host>\n \n
                       content-type;host \n hex(sha256(body))
    StringToSign     = TC3-HMAC-SHA256 \n <timestamp> \n <date>/sms/tc3_request \n hex(sha256(CanonicalRequest))
    SecretDate = HMAC("TC3" + SecretKey, date); SecretService = HMAC(SecretDate, "sms");
    SecretSigning = HMAC(SecretService, "tc3_request"); Signature = hex(HMAC(SecretSigning, StringToSign))
    Authorization = TC3-HMAC-SHA256 Credential=<SecretId>/<scope>, SignedHeaders=content-type;host, Signature=<...>
"""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from .base import PermanentError, TransientError

ALGORITHM = "TC3-HMAC-SHA256"
DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com"
SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
DEFAULT_REGION = "ap-guangzhou"
CONTENT_TYPE = "application/json; charset=utf-8"
#: codes that mean "not now" rather than "never"
TRANSIENT_PREFIXES = ("LimitExceeded", "InternalError", "RequestLimitExceeded")


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign(*, host: str, body: bytes, timestamp: int, secret_id: str, secret_key: str) -> str:
    """The Authorization header for `POST /` with a JSON body."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    string_to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    secret_date = _hmac(f"TC3{secret_key}".encode(), date)
    secret_service = _hmac(secret_date, SERVICE)
    secret_signing = _hmac(secret_service, "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def phone_number(address: str) -> str:
    """E.164: 11-digit mainland numbers get +86."""
    raw = address.strip().replace(" ", "").replace("-", "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    digits = raw.removeprefix("+")
    if not digits.isdigit() or len(digits) < 6:
        raise PermanentError(f"not a phone number: {address!r}")
    if not raw.startswith("+"):
        return f"+86{digits}" if len(digits) == 11 and digits.startswith("1") else f"+{digits}"
    return raw


def region(configured: str) -> str:
    """Tencent regions look like ap-guangzhou; the settings default (cn-hangzhou) is Aliyun's."""
    return configured if configured.startswith("ap-") else DEFAULT_REGION


def build_request(
    *,
    url: str,
    secret_id: str,
    secret_key: str,
    region_name: str,
    phone: str,
    app_id: str,
    sign_name: str,
    template_id: str,
    template_params: list[str],
    session_context: str,
    timestamp: int | None = None,
) -> httpx.Request:
    payload = {
        "PhoneNumberSet": [phone_number(phone)],
        "SmsSdkAppId": app_id,
        "SignName": sign_name,
        "TemplateId": template_id,
        "TemplateParamSet": template_params,
        "SessionContext": session_context,
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    target = httpx.URL(url or DEFAULT_ENDPOINT)
    host = target.netloc.decode("ascii")
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {
        "Authorization": sign(host=host, body=body, timestamp=ts, secret_id=secret_id, secret_key=secret_key),
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": ACTION,
        "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(ts),
        "X-TC-Region": region(region_name),
    }
    return httpx.Request("POST", target, headers=headers, content=body)


def _raise_for_code(code: str, message: str) -> None:
    text = f"tencent {code}: {message}".strip()
    if code.startswith(TRANSIENT_PREFIXES):
        raise TransientError(text)
    raise PermanentError(text)


def parse_response(status: int, data: Any) -> str | None:
    """The SerialNo on success; otherwise a TransientError or a PermanentError."""
    response = data.get("Response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        raise PermanentError(f"tencent HTTP {status}: unexpected answer")
    error = response.get("Error")
    if isinstance(error, dict):
        _raise_for_code(str(error.get("Code", "")), str(error.get("Message", "")))
    if not 200 <= status < 300:
        raise PermanentError(f"tencent HTTP {status}")
    statuses = response.get("SendStatusSet") or []
    first = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
    code = str(first.get("Code", ""))
    if code != "Ok":
        _raise_for_code(code or "(no status)", str(first.get("Message", "")))
    serial = first.get("SerialNo")
    return str(serial) if serial else None
