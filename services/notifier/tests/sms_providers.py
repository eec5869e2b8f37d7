"""The providers' side for the SMS tests: verifiers that recompute Aliyun's ACS3-HMAC-SHA256 and
Tencent's TC3-HMAC-SHA256 from the raw request, written from the providers' published algorithms
(independently of the signer under test, which is not imported here), and servers answering like them.
"""

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote

from .channel_servers import RawRequest

KEY_ID, SECRET = "LTAI5tLocalTestKey", "local-test-secret-0123456789"


def verify_acs3(req: RawRequest, secret: str) -> dict[str, str] | None:
    """The decoded query parameters when Aliyun would accept the signature, else None."""
    m = re.fullmatch(
        r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})",
        req.headers.get("authorization", ""),
    )
    if not m or m[1] != KEY_ID:
        return None
    signed = m[2].split(";")
    needed = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}
    if not needed <= set(signed) or signed != sorted(signed):
        return None
    if req.headers["x-acs-content-sha256"] != hashlib.sha256(req.body).hexdigest():
        return None
    sent = datetime.strptime(req.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if abs((datetime.now(UTC) - sent).total_seconds()) > 900:
        return None
    path, _, raw_query = req.raw_path.partition("?")
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    enc = lambda s: quote(s, safe="~")  # noqa: E731  RFC 3986 unreserved stay
    canonical = "\n".join(
        [
            req.method,
            path,
            "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs),
            "".join(f"{h}:{req.headers[h].strip()}\n" for h in signed),
            m[2],
            hashlib.sha256(req.body).hexdigest(),
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return dict(pairs) if hmac.compare_digest(expected, m[3]) else None


def verify_tc3(req: RawRequest, secret: str) -> dict | None:
    """The JSON body when Tencent would accept the signature, else None."""
    m = re.fullmatch(
        r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/sms/tc3_request, "
        r"SignedHeaders=content-type;host, Signature=([0-9a-f]{64})",
        req.headers.get("authorization", ""),
    )
    ts = req.headers.get("x-tc-timestamp", "")
    if not m or m[1] != KEY_ID or not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return None
    if m[2] != datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d"):
        return None
    canonical = (
        f"POST\n/\n\ncontent-type:{req.headers['content-type']}\nhost:{req.headers['host']}\n\n"
        f"content-type;host\n{hashlib.sha256(req.body).hexdigest()}"
    )
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{m[2]}/sms/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = ("TC3" + secret).encode()
    for part in (m[2], "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return json.loads(req.body) if hmac.compare_digest(expected, m[3]) else None


def aliyun_server(req: RawRequest):
    params = verify_acs3(req, SECRET)
    if params is None:
        return 403, {}, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
    if (req.headers["x-acs-action"], req.headers["x-acs-version"]) != ("SendSms", "2017-05-25"):
        return 400, {}, {"Code": "InvalidAction.NotFound"}
    return 200, {}, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}


def tencent_server(req: RawRequest):
    body = verify_tc3(req, SECRET)
    if body is None:
        error = {"Code": "AuthFailure.SignatureFailure", "Message": "The provided credentials could not be validated."}
        return 403, {}, {"Response": {"Error": error, "RequestId": "r-1"}}
    assert (req.headers["x-tc-action"], req.headers["x-tc-version"]) == ("SendSms", "2021-01-11")
    status = {"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": body["PhoneNumberSet"][0], "Code": "Ok"}
    return 200, {}, {"Response": {"SendStatusSet": [status], "RequestId": "a0aabda6"}}
