"""The audit trail's MAC key: outside the database, read once at start-up.

RECTIFY_AUDIT_KEY (text, at least 32 characters) or RECTIFY_AUDIT_KEY_FILE (the key is the
file's content, stripped). With neither, the embedded demo keeps a random key in the data dir
(mode 0600), as does any process not in RECTIFY_ENV=production; `rectify serve` against
PostgreSQL and RECTIFY_ENV=production refuse to start without one (auth/startup.py).
"""

import os
import secrets
from pathlib import Path

from rectify_shared.settings import Settings

MIN_KEY_CHARS = 32


class AuditKeyMissing(RuntimeError):
    pass


def _checked(key: str, where: str) -> bytes:
    if len(key) < MIN_KEY_CHARS:
        raise AuditKeyMissing(f"the audit key from {where} is shorter than {MIN_KEY_CHARS} characters")
    return key.encode("utf-8")


def configured_key(settings: Settings) -> bytes | None:
    if settings.audit_key:
        return _checked(settings.audit_key, "RECTIFY_AUDIT_KEY")
    if settings.audit_key_file is not None:
        try:
            text = settings.audit_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuditKeyMissing(f"cannot read RECTIFY_AUDIT_KEY_FILE {settings.audit_key_file}: {exc}") from exc
        return _checked(text, str(settings.audit_key_file))
    return None


def audit_key(settings: Settings) -> bytes:
    """The key; in the embedded default one is made in the data dir when none is configured."""
    key = configured_key(settings)
    if key is not None:
        return key
    if settings.env == "production":
        raise AuditKeyMissing(
            "no audit key: set RECTIFY_AUDIT_KEY or RECTIFY_AUDIT_KEY_FILE (a secret of at least 32 characters "
            "kept outside the database) / 未配置审计密钥"
        )
    path = Path(settings.data_dir) / "audit-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return _checked(path.read_text(encoding="utf-8").strip(), str(path))


def session_info(settings: Settings) -> dict[str, object]:
    """What writing sessions carry for the audit writer: the algorithm and the key."""
    from .writer import HASH_ALG_INFO_KEY, KEY_INFO_KEY

    return {HASH_ALG_INFO_KEY: settings.audit_hash, KEY_INFO_KEY: audit_key(settings)}
