"""SMS through Aliyun, Tencent Cloud or a generic HTTP gateway, over httpx.

Template parameters come from `message.extra["template_params"]` (a dict; for Tencent its values
in order, or a list) and default to `{"content": message.body}`; `extra["template_code"]`
overrides the configured template. The idempotency key travels as Aliyun's OutId, Tencent's
SessionContext and the generic gateway's `Idempotency-Key`.
"""

import hashlib
import hmac
import json
from typing import Any

import httpx

from rectify_shared.settings import Settings

from . import aliyun, tencent
from .base import OutgoingMessage, PermanentError, SendResult, TransientError

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_segments(text: str) -> int:
    """How many SMS a text takes: 160/153 characters in GSM-7, 70/67 otherwise (any Chinese)."""
    single, multi = (160, 153) if set(text) <= GSM7 else (70, 67)
    n = len(text)
    return 1 if n <= single else -(-n // multi)


def sms_length_ok(text: str, limit: int = 70, sign_name: str = "") -> bool:
    """Whether the text, with its 【签名】 as the carriers add it, fits in `limit` characters.

    70 is one Chinese SMS; longer texts are sent as several 67-character parts and billed per part.
    """
    signed = f"【{sign_name}】{text}" if sign_name else text
    return len(signed) <= limit


def template_params(message: OutgoingMessage) -> dict[str, Any]:
    params = message.extra.get("template_params")
    if isinstance(params, dict):
        return params
    if isinstance(params, list | tuple):
        return {str(i): v for i, v in enumerate(params)}
    return {"content": message.body}


class SmsChannel:
    name = "sms"

    def __init__(self, settings: Settings, *, client: httpx.AsyncClient | None = None) -> None:
        self.provider = settings.sms_provider
        self.settings = settings
        missing = self._missing(settings)
        if missing:
            raise ValueError(f"RECTIFY_SMS_PROVIDER={self.provider} needs {', '.join(missing)}")
        self.url = settings.sms_url or {
            "aliyun": aliyun.DEFAULT_ENDPOINT,
            "tencent": tencent.DEFAULT_ENDPOINT,
        }.get(self.provider, "")
        self._client = client or httpx.AsyncClient(timeout=settings.sms_timeout, follow_redirects=False)

    @staticmethod
    def _missing(s: Settings) -> list[str]:
        need: dict[str, str] = {}
        if s.sms_provider == "generic":
            need = {"RECTIFY_SMS_URL": s.sms_url, "RECTIFY_SMS_ACCESS_KEY_SECRET": s.sms_access_key_secret}
        elif s.sms_provider in ("aliyun", "tencent"):
            need = {
                "RECTIFY_SMS_ACCESS_KEY_ID": s.sms_access_key_id,
                "RECTIFY_SMS_ACCESS_KEY_SECRET": s.sms_access_key_secret,
                "RECTIFY_SMS_SIGN_NAME": s.sms_sign_name,
            }
            if s.sms_provider == "tencent":
                need["RECTIFY_SMS_APP_ID"] = s.sms_app_id
        else:
            return ["RECTIFY_SMS_PROVIDER (aliyun, tencent or generic)"]
        return [k for k, v in need.items() if not v]

    def _request(self, message: OutgoingMessage) -> httpx.Request:
        s = self.settings
        template = str(message.extra.get("template_code") or s.sms_template_code)
        if self.provider in ("aliyun", "tencent") and not template:
            raise PermanentError("no SMS template (RECTIFY_SMS_TEMPLATE_CODE or extra['template_code'])")
        if self.provider == "aliyun":
            return aliyun.build_request(
                url=self.url,
                access_key_id=s.sms_access_key_id,
                access_key_secret=s.sms_access_key_secret,
                phone=message.address,
                sign_name=s.sms_sign_name,
                template_code=template,
                template_params=template_params(message),
                out_id=message.idempotency_key,
            )
        if self.provider == "tencent":
            return tencent.build_request(
                url=self.url,
                secret_id=s.sms_access_key_id,
                secret_key=s.sms_access_key_secret,
                region_name=s.sms_region,
                phone=message.address,
                app_id=s.sms_app_id,
                sign_name=s.sms_sign_name,
                template_id=template,
                template_params=[str(v) for v in template_params(message).values()],
                session_context=message.idempotency_key,
            )
        body = json.dumps(
            {"to": message.address, "text": message.body, "id": message.idempotency_key},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        digest = hmac.new(s.sms_access_key_secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Rectify-Signature": f"sha256={digest}",
            "Idempotency-Key": message.idempotency_key,
        }
        return httpx.Request("POST", self.url, headers=headers, content=body)

    async def send(self, message: OutgoingMessage) -> SendResult:
        request = self._request(message)
        try:
            response = await self._client.send(request)
        except httpx.UnsupportedProtocol as exc:
            raise PermanentError(f"SMS gateway URL: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise TransientError(f"SMS gateway timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"SMS gateway unreachable: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        try:
            data: Any = response.json()
        except ValueError:
            data = None
        if status >= 500 or status == 429:
            raise TransientError(f"SMS gateway HTTP {status}: {response.text[:200]}")
        if self.provider == "aliyun":
            return SendResult(aliyun.parse_response(status, data), {"provider": "aliyun"})
        if self.provider == "tencent":
            return SendResult(tencent.parse_response(status, data), {"provider": "tencent"})
        if not 200 <= status < 300:
            raise PermanentError(f"SMS gateway HTTP {status}: {response.text[:200]}")
        found = (data.get("id") or data.get("message_id")) if isinstance(data, dict) else None
        detail = {"provider": "generic", "segments": sms_segments(message.body)}
        return SendResult(str(found) if found else None, detail)

    async def aclose(self) -> None:
        await self._client.aclose()
