"""What the 企业微信 and 钉钉 channels share: one JSON call over httpx and its failures, the link
to the console, and the errcodes every such API answers alike.

Both APIs answer HTTP 200 with `{"errcode": 0, ...}` on success and a non-zero errcode otherwise;
-1 is "system busy" (try later). A 5xx, 429, timeout or refused connection is a provider outage
(try later); another 4xx is permanent.
"""

from typing import Any

import httpx

from .base import OutgoingMessage, PermanentError, TransientError

#: the token was refused (expired or replaced): drop it, fetch a new one and try once more
TOKEN_ERRCODES = frozenset({40014, 42001})


class TokenRejected(TransientError):
    """The provider refused the access token; the caller refreshes it and tries once more
    (refused twice: a transient failure, retried with backoff)."""


def errcode_of(data: Any) -> int:
    if not isinstance(data, dict):
        raise TransientError("unexpected answer (not JSON)")
    try:
        return int(data.get("errcode", 0))
    except (TypeError, ValueError) as exc:
        raise PermanentError(f"unexpected errcode {data.get('errcode')!r}") from exc


async def call(client: httpx.AsyncClient, what: str, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """The JSON answer of a 2xx; a TransientError for outages, a PermanentError for other HTTP errors."""
    try:
        response = await client.request(method, url, **kwargs)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise PermanentError(f"{what} URL: {type(exc).__name__}") from exc
    except httpx.TimeoutException as exc:
        raise TransientError(f"{what} timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"{what} unreachable: {type(exc).__name__}") from exc
    status = response.status_code
    if status >= 500 or status in (408, 429):
        raise TransientError(f"{what} HTTP {status}")
    if not 200 <= status < 300:
        raise PermanentError(f"{what} HTTP {status}")
    try:
        data = response.json()
    except ValueError as exc:
        raise TransientError(f"{what}: an answer that is not JSON (HTTP {status})") from exc
    if not isinstance(data, dict):
        raise TransientError(f"{what}: unexpected answer")
    return data


def classify(
    what: str, data: dict[str, Any], transient: frozenset[int], token: frozenset[int] = TOKEN_ERRCODES
) -> None:
    """Raise for a non-zero errcode: TokenRejected, TransientError (busy, rate limits) or PermanentError."""
    code = errcode_of(data)
    if code == 0:
        return
    text = f"{what} errcode {code}: {str(data.get('errmsg', ''))[:200]}"
    sub = str(data.get("sub_code") or "")
    if code in token or (sub.isdigit() and int(sub) in token):
        raise TokenRejected(text)
    if code == -1 or code in transient:
        raise TransientError(text)
    raise PermanentError(text)


def console_link(public_url: str, message: OutgoingMessage) -> str | None:
    """The absolute console URL of the thing the message is about (None without RECTIFY_PUBLIC_URL)."""
    link = message.extra.get("link")
    if not public_url or not isinstance(link, str) or not link.startswith("/"):
        return None
    return public_url.rstrip("/") + link


def title_of(message: OutgoingMessage) -> str:
    return (message.subject or message.body.split("\n", 1)[0])[:64]
