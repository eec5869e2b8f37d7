"""Aliyun SMS (dysmsapi 2017-05-25, SendSms) signed with the V3 signature, ACS3-HMAC-SHA256.

The algorithm (Aliyun's "V3 版本请求体&签名机制"):

    CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
                       SignedHeaders \n hex(sha256(body))
    StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
    Signature        = hex(hmac_sha256(AccessKeySecret, StringToSign))
    Authorization    = ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<...>,Signature=<...>

Query names and values are percent-encoded per RFC 3986 (only A-Z a-z 0-9 - _ . ~ stay) and
sorted by name; canonical headers are `lowercase-name:trimmed-value\n`, sorted by name.
"""

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from .base import PermanentError, TransientError

ALGORITHM = "ACS3-HMAC-SHA256"
DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com"
ACTION = "SendSms"
VERSION = "2017-05-25"
#: codes that mean "not now" rather than "never"
THROTTLING_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError"})
THROTTLING_PREFIXES = ("Throttling",)


def percent_encode(value: str) -> str:
    return quote(value, safe="~", encoding="utf-8")


def canonical_query(query: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(query[k])}" for k in sorted(query))


def sign(
    *,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    access_key_id: str,
    access_key_secret: str,
) -> str:
    """The Authorization header for a request whose `headers` are exactly the ones to sign."""
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    names = sorted(lowered)
    canonical_headers = "".join(f"{n}:{lowered[n]}\n" for n in names)
    signed_headers = ";".join(names)
    canonical_request = "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query(query),
            canonical_headers,
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    signature = hmac.new(access_key_secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"


def phone_number(address: str) -> str:
    """Mainland numbers as 11 digits; others as country code + number (Aliyun's format)."""
    digits = address.strip().replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    digits = digits.removeprefix("+")
    if not digits.isdigit() or len(digits) < 6:
        raise PermanentError(f"not a phone number: {address!r}")
    return digits


def build_request(
    *,
    url: str,
    access_key_id: str,
    access_key_secret: str,
    phone: str,
    sign_name: str,
    template_code: str,
    template_params: dict[str, Any],
    out_id: str,
    now: datetime | None = None,
    nonce: str | None = None,
) -> httpx.Request:
    """A signed SendSms request: the parameters in the query string, an empty body (RPC style)."""
    query = {
        "PhoneNumbers": phone_number(phone),
        "SignName": sign_name,
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(template_params, ensure_ascii=False, separators=(",", ":")),
        "OutId": out_id,
    }
    target = httpx.URL(url or DEFAULT_ENDPOINT)
    body = b""
    signed = {
        "host": target.netloc.decode("ascii"),
        "x-acs-action": ACTION,
        "x-acs-version": VERSION,
        "x-acs-date": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or secrets.token_hex(16),
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    path = target.path or "/"
    authorization = sign(
        method="POST",
        path=path,
        query=query,
        headers=signed,
        body=body,
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
    )
    # the query is encoded exactly as it was signed, so the server decodes the same values
    full = target.copy_with(query=canonical_query(query).encode("ascii"))
    headers = {**signed, "authorization": authorization, "accept": "application/json"}
    return httpx.Request("POST", full, headers=headers, content=body)


def parse_response(status: int, data: Any) -> str | None:
    """The BizId on success; otherwise a TransientError or a PermanentError."""
    code = str(data.get("Code", "")) if isinstance(data, dict) else ""
    message = str(data.get("Message", "")) if isinstance(data, dict) else ""
    if 200 <= status < 300 and code == "OK":
        biz_id = data.get("BizId")
        return str(biz_id) if biz_id else None
    text = f"aliyun HTTP {status} {code or '(no code)'}: {message}".strip()
    if code in THROTTLING_CODES or code.startswith(THROTTLING_PREFIXES):
        raise TransientError(text)
    raise PermanentError(text)
