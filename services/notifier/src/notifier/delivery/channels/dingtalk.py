"""钉钉 (DingTalk; 浙政钉/政务钉钉 on a private deployment): work notifications and custom robots.

Work notifications: `POST {base}/topapi/message/corpconversation/asyncsend_v2?access_token=…`
with the app's `agent_id`, `userid_list` = the user's DingTalk userid and `msg`: an
`action_card` (title, markdown, one button to the console's URL) when RECTIFY_PUBLIC_URL is set,
plain `text` otherwise. The answer's `task_id` is kept as the provider's message id. DingTalk
drops the same content sent to the same user twice in a day, so a resend after a crash is not
seen twice. The token comes from `GET {base}/gettoken?appkey&appsecret` through `TokenCache`.

Custom robots: `POST {robot URL}&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret,
f"{timestamp}\\n{secret}")))>`, msgtype `markdown` (the 加签 security setting; the URL and secret
are the org's, encrypted at rest, and the URL must be on the configured base URL's origin).

errcodes: 0 ok; -1 busy, 90018/90002/130101/143105 rate limits → retry; 40014/42001 (or
sub_code) token invalid or expired → refresh and retry once; anything else (33012 bad userid,
40089 bad appkey/secret, 310000 bad signature or keyword, 400102 robot stopped, …) → permanent.
"""

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from rectify_shared.settings import Settings

from .base import OutgoingMessage, PermanentError, SendResult
from .im import TokenRejected, call, classify, console_link, title_of
from .tokens import TokenCache
from .wecom import same_origin

TRANSIENT = frozenset({90002, 90018, 130101, 143105, 400013})


def robot_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")) (URL-encoded when sent)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkChannel:
    name = "dingtalk"

    def __init__(self, settings: Settings, redis: Any, *, client: httpx.AsyncClient | None = None) -> None:
        need = {"RECTIFY_DINGTALK_APP_SECRET": settings.dingtalk_app_secret,
                "RECTIFY_DINGTALK_AGENT_ID": settings.dingtalk_agent_id}  # fmt: skip
        missing = [k for k, v in need.items() if not v]
        if missing:
            raise ValueError(f"RECTIFY_DINGTALK_APP_KEY is set; it needs {', '.join(missing)}")
        self.base_url = settings.dingtalk_base_url.rstrip("/")
        self.app_key, self.app_secret = settings.dingtalk_app_key, settings.dingtalk_app_secret
        self.agent_id = settings.dingtalk_agent_id
        self.public_url = settings.public_url
        self._client = client or httpx.AsyncClient(timeout=settings.im_timeout, follow_redirects=False)
        key = f"{settings.queue_prefix}:imtoken:dingtalk:{self.app_key}"
        self.tokens = TokenCache(redis, key, self._fetch_token)

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"appkey": self.app_key, "appsecret": self.app_secret}
        data = await call(self._client, "dingtalk gettoken", "GET", f"{self.base_url}/gettoken", params=params)
        classify("dingtalk gettoken", data, TRANSIENT, token=frozenset())
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise PermanentError("dingtalk gettoken: no access_token in the answer")
        return token, int(data.get("expires_in") or 7200)

    def payload(self, message: OutgoingMessage) -> dict[str, Any]:
        agent = int(self.agent_id) if self.agent_id.isdigit() else self.agent_id
        msg: dict[str, Any]
        if (url := console_link(self.public_url, message)) is not None:
            title = title_of(message)
            card = {"title": title, "markdown": f"### {title}\n\n{message.body}"[:5000], "single_title": "查看详情",
                    "single_url": url}  # fmt: skip
            msg = {"msgtype": "action_card", "action_card": card}
        else:
            text = f"{message.subject}\n{message.body}" if message.subject else message.body
            msg = {"msgtype": "text", "text": {"content": text[:5000]}}
        return {"agent_id": agent, "userid_list": message.address, "msg": msg}

    async def send(self, message: OutgoingMessage) -> SendResult:
        payload = self.payload(message)
        url = f"{self.base_url}/topapi/message/corpconversation/asyncsend_v2"
        for attempt in (1, 2):
            token = await self.tokens.get()
            data = await call(self._client, "dingtalk asyncsend_v2", "POST", url, params={"access_token": token},
                              json=payload)  # fmt: skip
            try:
                classify("dingtalk asyncsend_v2", data, TRANSIENT)
            except TokenRejected:
                await self.tokens.invalidate(token)
                if attempt == 2:
                    raise
                continue
            task = data.get("task_id")
            return SendResult(str(task) if task is not None else None, {"provider": "dingtalk"})
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._client.aclose()


class DingTalkRobotChannel:
    """A custom robot per org: `message.extra["url"]` and `["secret"]` (looked up when sending)."""

    name = "ding_bot"

    def __init__(self, settings: Settings, *, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = settings.dingtalk_base_url
        self._client = client or httpx.AsyncClient(timeout=settings.im_timeout, follow_redirects=False)

    async def send(self, message: OutgoingMessage) -> SendResult:
        url, secret = message.extra.get("url"), message.extra.get("secret")
        if not isinstance(url, str) or not same_origin(url, self.base_url):
            raise PermanentError("dingtalk robot URL is not on RECTIFY_DINGTALK_BASE_URL")
        if isinstance(secret, str) and secret:
            timestamp = int(time.time() * 1000)
            signed = urlencode({"timestamp": str(timestamp), "sign": robot_sign(secret, timestamp)})
            url += ("&" if "?" in url else "?") + signed  # appended: httpx's `params` would replace the query
        title = title_of(message)
        text = f"### {message.subject}\n\n{message.body}" if message.subject else message.body
        payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text[:5000]}}
        data = await call(self._client, "dingtalk robot", "POST", url, json=payload)
        classify("dingtalk robot", data, TRANSIENT, token=frozenset())
        return SendResult(None, {"provider": "ding_bot"})

    async def aclose(self) -> None:
        await self._client.aclose()
