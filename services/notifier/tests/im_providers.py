"""The providers' side for the 企业微信 and 钉钉 tests: servers answering like their APIs do —
token endpoints that check the app's credentials, send endpoints that accept only a live token,
group robots that check the key and (DingTalk) the signed timestamp, recomputed here from the
published algorithm (DingTalk's own sample, not the signer under test) — and that can be told to
fail a number of times first (HTTP 500, errcode -1 busy, an expired token)."""

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote_plus, unquote_plus

from .channel_servers import RawRequest, Reply

CORP_ID, WECOM_SECRET, WECOM_AGENT = "ww0123456789abcdef", "wecom-local-secret-0123456789", "1000002"
WECOM_ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
APP_KEY, DING_SECRET, DING_AGENT = "dingabcdefghijk", "ding-local-app-secret-0123456789", "2950000001"
DING_ROBOT_TOKEN, DING_ROBOT_SECRET = "c0ffee" * 8, "SEC" + "0123456789abcdef" * 4


def reference_sign(secret: str, timestamp: str) -> str:
    """DingTalk's documented sample for 加签, as its docs print it."""
    string_to_sign = f"{timestamp}\n{secret}"
    code = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(code))


@dataclass
class ImServer:
    """One provider: `kind` is "wecom" or "dingtalk". `failures` are consumed by send calls first:
    "http500", "busy" (errcode -1) or "expire" (the current token is declared expired)."""

    kind: str
    users: set[str]
    expires_in: int = 7200
    failures: list[str] = field(default_factory=list)
    token_fetches: int = 0
    live: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)  # accepted application messages
    robot: list[dict[str, Any]] = field(default_factory=list)  # accepted robot messages
    refused: list[str] = field(default_factory=list)  # why a request was refused
    _expiry: dict[str, float] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, req: RawRequest) -> Reply:
        path, _, query = req.raw_path.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            if self.kind == "wecom":
                return self._wecom(req, path, params)
            return self._dingtalk(req, path, params, query)

    def _token(self, ok: bool) -> Reply:
        if not ok:
            self.refused.append("credentials")
            return 200, {}, {"errcode": 40001 if self.kind == "wecom" else 40089, "errmsg": "invalid credential"}
        self.token_fetches += 1
        token = secrets.token_hex(16)
        self.live.add(token)
        self._expiry[token] = time.monotonic() + self.expires_in
        return 200, {}, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.expires_in}

    def _check_token(self, token: str | None) -> Reply | None:
        if self.failures:
            what = self.failures.pop(0)
            if what == "http500":
                return 500, {}, b"upstream unavailable"
            if what == "busy":
                return 200, {}, {"errcode": -1, "errmsg": "system busy"}
            if what == "expire":
                self.live.discard(token or "")
        if token not in self.live or time.monotonic() > self._expiry.get(token or "", 0):
            self.refused.append("token")
            return 200, {}, {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def _wecom(self, req: RawRequest, path: str, params: dict[str, str]) -> Reply:
        if req.method == "GET" and path == "/cgi-bin/gettoken":
            return self._token(params.get("corpid") == CORP_ID and params.get("corpsecret") == WECOM_SECRET)
        body = json.loads(req.body or b"{}")
        if path == "/cgi-bin/message/send":
            if (refused := self._check_token(params.get("access_token"))) is not None:
                return refused
            if str(body.get("agentid")) != WECOM_AGENT:
                return 200, {}, {"errcode": 40056, "errmsg": "invalid agentid"}
            if body.get("touser") not in self.users:
                return 200, {}, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
            self.sent.append(body)
            return 200, {}, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"msg{next(self._ids)}"}
        if path == "/cgi-bin/webhook/send":
            if params.get("key") != WECOM_ROBOT_KEY:
                return 200, {}, {"errcode": 93000, "errmsg": "invalid webhook url"}
            self.robot.append(body)
            return 200, {}, {"errcode": 0, "errmsg": "ok"}
        return 404, {}, {"errcode": 404}

    def _dingtalk(self, req: RawRequest, path: str, params: dict[str, str], query: str) -> Reply:
        if req.method == "GET" and path == "/gettoken":
            return self._token(params.get("appkey") == APP_KEY and params.get("appsecret") == DING_SECRET)
        body = json.loads(req.body or b"{}")
        if path == "/topapi/message/corpconversation/asyncsend_v2":
            if (refused := self._check_token(params.get("access_token"))) is not None:
                return refused
            if str(body.get("agent_id")) != DING_AGENT:
                return 200, {}, {"errcode": 40078, "errmsg": "invalid agent_id"}
            if not set(str(body.get("userid_list", "")).split(",")) <= self.users:
                return 200, {}, {"errcode": 33012, "errmsg": "invalid userid"}
            self.sent.append(body)
            return 200, {}, {"errcode": 0, "errmsg": "ok", "task_id": next(self._ids), "request_id": "r"}
        if path == "/robot/send":
            raw = dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)  # still URL-encoded
            stamp = params.get("timestamp", "")
            fresh = stamp.isdigit() and abs(time.time() * 1000 - int(stamp)) < 3600_000
            # decoded as DingTalk decodes it; a '+' sent unencoded would arrive as a space and fail
            good = params.get("sign") == unquote_plus(reference_sign(DING_ROBOT_SECRET, stamp)) and "+" not in raw.get(
                "sign", ""
            )
            if params.get("access_token") != DING_ROBOT_TOKEN or not fresh or not good:
                self.refused.append("robot signature")
                return 200, {}, {"errcode": 310000, "errmsg": "sign not match"}
            self.robot.append(body)
            return 200, {}, {"errcode": 0, "errmsg": "ok"}
        return 404, {}, {"errcode": 404}
