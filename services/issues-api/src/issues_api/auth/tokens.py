"""Access tokens (short-lived JWT, HS256, PyJWT) and opaque secrets (refresh tokens, API keys)."""

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

ALGORITHM = "HS256"
ISSUER = "rectify"


def create_access_token(
    secret: str,
    user_id: int,
    session_id: str,
    minutes: int,
    now: datetime | None = None,
    *,
    must_change_password: bool = False,
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": str(user_id),
        "sid": session_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=minutes)).timestamp()),
    }
    if must_change_password:
        claims["must_change_password"] = True  # clients show the change form; the server checks the database
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


#: tokens whose signature and claims were verified, by (secret, token): a client sends the same
#: token on every request for its lifetime, and verifying it was ~7 % of a detail request's CPU
_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 4096


def decode_access_token(secret: str, token: str) -> dict[str, Any]:
    """Raises jwt.InvalidTokenError (expired, bad signature, wrong issuer, missing claims).

    A token verified before is taken from memory while it has not expired; the key is the whole
    token and the secret, so nothing unverified can match. Whether its session still stands is
    the caller's database check, every request."""
    key = (secret, token)
    cached = _VERIFIED.get(key)
    if cached is not None and cached["exp"] > time.time():
        return dict(cached)
    claims: dict[str, Any] = jwt.decode(
        token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "iat", "sub", "sid"]}
    )
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.pop(next(iter(_VERIFIED)))  # the oldest entry
    _VERIFIED[key] = claims
    return dict(claims)


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """High-entropy secrets (refresh tokens, API keys) are stored as their SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def session_ref(session_id: str) -> str:
    """What audit records and session lists show of a session: a hash prefix, never the id itself."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:16]


def session_too_old(created_at: datetime, max_hours: int, now: datetime | None = None) -> bool:
    return (now or datetime.now(UTC)) - created_at >= timedelta(hours=max_hours)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def jwt_secret(configured: str, data_dir: Path) -> str:
    """The configured key, else one kept in the data dir (the embedded default on one machine)."""
    if configured:
        return configured
    path = data_dir / "jwt-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(new_secret(48))
        path.chmod(0o600)
    return path.read_text().strip()


API_KEY_PREFIX = "rk_"


def format_api_key(key_id: str, secret: str) -> str:
    return f"{API_KEY_PREFIX}{key_id}_{secret}"


def parse_api_key(token: str) -> tuple[str, str] | None:
    if not token.startswith(API_KEY_PREFIX):
        return None
    body = token[len(API_KEY_PREFIX) :]
    key_id, sep, secret = body.partition("_")
    if not sep or not key_id or not secret:
        return None
    return key_id, secret
