"""企业微信 (WeCom; 政务微信 on a private deployment): application messages and group robots.

Application messages: `POST {base}/cgi-bin/message/send?access_token=…` with `touser` = the
user's WeCom userid and the app's `agentid`; a `textcard` (title, text, the console's URL) when
RECTIFY_PUBLIC_URL is set, plain `text` otherwise. WeCom's duplicate check (same content to the
same user within 30 minutes) drops a resend after a crash. The token comes from
`GET {base}/cgi-bin/gettoken?corpid&corpsecret` through `TokenCache` (Redis, shared).

Group robots: `POST {base}/cgi-bin/webhook/send?key=…` (the URL is the org's, kept encrypted;
it must be on the configured base URL's origin: issues-api checks it when it is set, and the
channel checks it again), msgtype `markdown`.

errcodes: 0 ok; -1 busy, 45009/45033/45011 rate limits → retry; 42001/40014 token expired
or invalid → refresh and retry once; anything else (81013 user not found, 60020 IP not allowed,
40003 bad userid, 93000 bad robot key, 40001 bad secret, …) → permanent.
"""

from typing import Any
from urllib.parse import urlsplit

import httpx

from rectify_shared.settings import Settings

from .base import OutgoingMessage, PermanentError, SendResult
from .im import TokenRejected, call, classify, console_link, title_of
from .tokens import TokenCache

TRANSIENT = frozenset({45009, 45011, 45033, 45047, 6000})
#: a resend within this window with the same content is dropped by WeCom (seconds; its maximum is 4 h)
DUPLICATE_CHECK_SECONDS = 1800


def same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


class WeComChannel:
    name = "wecom"

    def __init__(self, settings: Settings, redis: Any, *, client: httpx.AsyncClient | None = None) -> None:
        missing = [k for k, v in {"RECTIFY_WECOM_AGENT_ID": settings.wecom_agent_id,
                                  "RECTIFY_WECOM_SECRET": settings.wecom_secret}.items() if not v]  # fmt: skip
        if missing:
            raise ValueError(f"RECTIFY_WECOM_CORP_ID is set; it needs {', '.join(missing)}")
        self.base_url = settings.wecom_base_url.rstrip("/")
        self.corp_id, self.agent_id, self.secret = (
            settings.wecom_corp_id,
            settings.wecom_agent_id,
            settings.wecom_secret,
        )
        self.public_url = settings.public_url
        self._client = client or httpx.AsyncClient(timeout=settings.im_timeout, follow_redirects=False)
        key = f"{settings.queue_prefix}:imtoken:wecom:{self.corp_id}:{self.agent_id}"
        self.tokens = TokenCache(redis, key, self._fetch_token)

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"corpid": self.corp_id, "corpsecret": self.secret}
        data = await call(self._client, "wecom gettoken", "GET", f"{self.base_url}/cgi-bin/gettoken", params=params)
        classify("wecom gettoken", data, TRANSIENT, token=frozenset())
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise PermanentError("wecom gettoken: no access_token in the answer")
        return token, int(data.get("expires_in") or 7200)

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        base: dict[str, Any] = {
            "touser": message.address,
            "agentid": int(self.agent_id) if self.agent_id.isdigit() else self.agent_id,
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_SECONDS,
        }
        if (url := console_link(self.public_url, message)) is not None:
            card = {"title": title_of(message), "description": message.body[:512], "url": url, "btntxt": "详情"}
            return {**base, "msgtype": "textcard", "textcard": card}
        text = f"{message.subject}\n{message.body}" if message.subject else message.body
        return {**base, "msgtype": "text", "text": {"content": text[:2048]}}

    async def send(self, message: OutgoingMessage) -> SendResult:
        payload = self.payload(message)
        for attempt in (1, 2):
            token = await self.tokens.get()
            data = await call(
                self._client, "wecom message/send", "POST", f"{self.base_url}/cgi-bin/message/send",
                params={"access_token": token}, json=payload,
            )  # fmt: skip
            try:
                classify("wecom message/send", data, TRANSIENT)
            except TokenRejected:
                await self.tokens.invalidate(token)
                if attempt == 2:
                    raise
                continue
            invalid = str(data.get("invaliduser") or "")
            if invalid:
                raise PermanentError(f"wecom: userid not in the corp's directory ({invalid[:80]})")
            return SendResult(str(data.get("msgid") or "") or None, {"provider": "wecom"})
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._client.aclose()


class WeComRobotChannel:
    """A group robot per org: `message.extra["url"]` (looked up when sending), markdown."""

    name = "wecom_bot"

    def __init__(self, settings: Settings, *, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = settings.wecom_base_url
        self._client = client or httpx.AsyncClient(timeout=settings.im_timeout, follow_redirects=False)

    async def send(self, message: OutgoingMessage) -> SendResult:
        url = message.extra.get("url")
        if not isinstance(url, str) or not same_origin(url, self.base_url):
            raise PermanentError("wecom robot URL is not on RECTIFY_WECOM_BASE_URL")
        title = f"**{message.subject}**\n" if message.subject else ""
        payload = {"msgtype": "markdown", "markdown": {"content": f"{title}{message.body}"[:4096]}}
        data = await call(self._client, "wecom robot", "POST", url, json=payload)
        classify("wecom robot", data, TRANSIENT, token=frozenset())
        return SendResult(None, {"provider": "wecom_bot"})

    async def aclose(self) -> None:
        await self._client.aclose()
