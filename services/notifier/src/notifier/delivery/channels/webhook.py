"""Outgoing webhooks in the Standard Webhooks format (https://www.standardwebhooks.com/).

`message.address` is the receiver's URL, `message.extra["payload"]` the JSON event envelope
({id, type, timestamp, data}; a dict, or already-serialised str/bytes sent as they are) and
`message.extra["secret"]` the endpoint's `whsec_…` secret. Every attempt carries the same
`webhook-id` (the idempotency key), so receivers can drop repeats; the timestamp and signature
are made fresh for each attempt.

Before each attempt the URL's host is resolved and checked (rectify_shared.outbound: no loopback,
private, link-local or metadata addresses unless RECTIFY_WEBHOOK_ALLOW_NETWORKS allows them), and
the request goes to the checked address. A delivery records the receiver's status code only,
never its response body (an internal service's answer must not show in /deliveries).
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from rectify_shared.outbound import BlockedTarget, allow_networks, check_url, pinned_url
from rectify_shared.settings import Settings

from .base import OutgoingMessage, PermanentError, SendResult, TransientError

SECRET_PREFIX = "whsec_"
USER_AGENT = "Rectify-Webhooks/1.0"


def new_webhook_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PermanentError("webhook secret is not whsec_ + base64") from exc
    if not key:
        raise PermanentError("webhook secret is empty")
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    to_sign = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _body(payload: Any) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode()
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class WebhookChannel:
    name = "webhook"

    def __init__(self, settings: Settings, *, client: httpx.AsyncClient | None = None) -> None:
        self._allow = allow_networks(settings.webhook_allow_networks)
        self._client = client or httpx.AsyncClient(
            timeout=settings.webhook_timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )

    async def send(self, message: OutgoingMessage) -> SendResult:
        secret = message.extra.get("secret")
        if not isinstance(secret, str) or not secret:
            raise PermanentError("webhook without a secret (extra['secret'])")
        if "payload" not in message.extra:
            raise PermanentError("webhook without a payload (extra['payload'])")
        body = _body(message.extra["payload"])
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message.idempotency_key,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, message.idempotency_key, timestamp, body),
        }
        try:
            target = await check_url(message.address, self._allow)
        except BlockedTarget as exc:
            raise PermanentError(f"webhook target refused: {exc}") from exc
        headers["Host"] = urlsplit(message.address).netloc.rpartition("@")[2]
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            response = await self._client.post(
                pinned_url(message.address, target), content=body, headers=headers, extensions=extensions
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise PermanentError(f"webhook URL refused: {type(exc).__name__}") from exc
        except httpx.TimeoutException as exc:
            raise TransientError(f"webhook timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"webhook unreachable: {type(exc).__name__}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return SendResult(message.idempotency_key, {"status": status})
        text = f"webhook HTTP {status}"  # the status only: the body stays with the receiver
        if status >= 500 or status in (408, 429):
            raise TransientError(text)
        raise PermanentError(text)  # 3xx (redirects are not followed), 4xx, 410 Gone

    async def aclose(self) -> None:
        await self._client.aclose()
