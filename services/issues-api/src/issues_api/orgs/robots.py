"""An org's 企业微信 / 钉钉 group robots: checking the URLs an office pastes, and what is shown of them.

A robot's URL carries its key, and DingTalk's 加签 secret signs every message: both are secrets,
stored encrypted (`Org.wecom_robot_url`, `dingtalk_robot_url`, `dingtalk_robot_secret`), never
returned by the API and never written to the audit log or the change feed (a fingerprint is).
A URL must be on the configured provider origin (RECTIFY_WECOM_BASE_URL / RECTIFY_DINGTALK_BASE_URL),
so a robot cannot aim the notifier at another host. A DingTalk robot without a secret relies on
its keyword or IP allow-list security setting; with one (加签, recommended) every message is signed.
"""

import hashlib
from urllib.parse import parse_qs, urlsplit

from rectify_shared.models import Org
from rectify_shared.settings import Settings

from ..core.errors import invalid
from .schemas import OrgPatch

ROBOT_FIELDS = ("wecom_robot_url", "dingtalk_robot_url", "dingtalk_robot_secret")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _check(field: str, url: str, base: str, path: str, param: str, name: str, setting: str) -> None:
    parts = urlsplit(url)
    if _origin(url) != _origin(base):
        raise invalid(
            f"body.{field}", f"must be on {base}",
            f"{name}机器人地址须位于 {base}（{setting}）", f"The {name} robot URL must be on {base} ({setting})",
        )  # fmt: skip
    if parts.path != path or not parse_qs(parts.query).get(param):
        shape = f"{base.rstrip('/')}{path}?{param}=…"
        raise invalid(
            f"body.{field}", f"must look like {shape}", f"{name}机器人地址应形如 {shape}",
            f"The {name} robot URL should look like {shape}",
        )  # fmt: skip


def check_robots(data: OrgPatch, settings: Settings) -> None:
    """Refuse a robot URL that is not the provider's robot endpoint on the configured origin (422)."""
    if data.wecom_robot_url:
        _check("wecom_robot_url", data.wecom_robot_url, settings.wecom_base_url, "/cgi-bin/webhook/send", "key",
               "企业微信", "RECTIFY_WECOM_BASE_URL")  # fmt: skip
    if data.dingtalk_robot_url:
        _check("dingtalk_robot_url", data.dingtalk_robot_url, settings.dingtalk_base_url, "/robot/send",
               "access_token", "钉钉", "RECTIFY_DINGTALK_BASE_URL")  # fmt: skip


def fingerprint(value: str | None) -> str | None:
    """What the audit log shows of a secret: whether it is set, and a short hash to tell two apart."""
    return None if not value else "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:8]


def robot_view(org: Org) -> dict[str, object]:
    return {name: fingerprint(getattr(org, name)) for name in ROBOT_FIELDS}
