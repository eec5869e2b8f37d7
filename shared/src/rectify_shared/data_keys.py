"""Encryption at rest of personal contacts and secrets (issue 19, finding #21; 密评 GB/T 39786).

Columns typed `EncryptedString` (org mobiles and e-mails, users' phones and e-mails, objectors'
names and contacts, webhook signing secrets, SMS receipts' phone numbers) hold
`enc1:<key id>:<base64(nonce ‖ SM4-GCM ciphertext ‖ tag)>`: SM4 in GCM mode (OpenSSL through
`cryptography`), a fresh 12-byte nonce per value, the key id bound as associated data. The key
is outside the database: RECTIFY_DATA_KEY or RECTIFY_DATA_KEY_FILE (32+ characters; the SM4 key
is derived from it with HKDF-SHA256). Rotation: set the new key and list the old ones in
RECTIFY_DATA_KEYS_OLD; values are read under the key their id names and rewritten under the
current key by `rectify migrate` (`reencrypt`) or `rectify keys rotate` (batches, a progress bar).

The cipher is SM4-GCM by default (`enc1:`); RECTIFY_DATA_CIPHER=aes-256-gcm writes AES-256-GCM
(`enc2:`) instead. Each value names its cipher, so either reads back whatever is configured, and a
rotation also moves values to the configured cipher.

Encrypted columns cannot be compared in SQL; a column looked up by value (a user's phone, to match
a single sign-on identity) has a keyed blind index beside it: `h1:<key id>:<HMAC-SM3>` of the
normalised value under a key derived from the data key (`blind_index`, `index_candidates`). A
lookup asks for the candidates under every configured key, so it works during a rotation too.

The keys are installed once per process at start-up (`install`), because a column type has no
session to carry them. A value without the prefix is plaintext written before encryption (the
migration encrypts those); reading ciphertext with no key installed, or under an unknown key id,
raises `DataKeyError` rather than returning something wrong.
"""

import base64
import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"  # SM4-GCM
AES_PREFIX = "enc2:"  # AES-256-GCM
PREFIXES = (PREFIX, AES_PREFIX)
CIPHERS = {"sm4-gcm": PREFIX, "aes-256-gcm": AES_PREFIX}
INDEX_PREFIX = "h1:"
MIN_KEY_CHARS = 32
NONCE_BYTES, TAG_BYTES = 12, 16


class DataKeyError(RuntimeError):
    pass


def key_id(secret: str) -> str:
    """A short public name of a key (not the key): the first 8 hex of SHA-256 over it."""
    return hashlib.sha256(b"rectify-data-key-id:" + secret.encode("utf-8")).hexdigest()[:8]


def _sm4_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"rectify data at rest sm4").derive(
        secret.encode("utf-8")
    )


def _derive(secret: str, length: int, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret.encode("utf-8"))


def _algorithm(prefix: str, key: bytes) -> algorithms.SM4 | algorithms.AES:
    return algorithms.SM4(key) if prefix == PREFIX else algorithms.AES(key)


def normalise_phone(value: str) -> str:
    """A phone number as compared: digits only, a leading 86 country code dropped from mobiles."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


class DataKeys:
    """The current key (encrypts) and every key that may still decrypt, by key id."""

    def __init__(self, current: str, old: Iterable[str] = (), cipher: str = "sm4-gcm") -> None:
        for secret in (current, *old):
            if len(secret) < MIN_KEY_CHARS:
                raise DataKeyError(f"a data key is shorter than {MIN_KEY_CHARS} characters")
        if cipher not in CIPHERS:
            raise DataKeyError(f"unknown data cipher {cipher!r} (sm4-gcm or aes-256-gcm)")
        self.cipher = cipher
        self.current_id = key_id(current)
        self.current_prefix = f"{CIPHERS[cipher]}{self.current_id}:"
        self._keys = {key_id(s): _sm4_key(s) for s in (*old, current)}
        self._aes = {key_id(s): _derive(s, 32, b"rectify data at rest aes-256") for s in (*old, current)}
        self._index = {key_id(s): _derive(s, 32, b"rectify blind index hmac-sm3") for s in (*old, current)}

    def encrypt(self, plain: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        prefix = CIPHERS[self.cipher]
        key = (self._keys if prefix == PREFIX else self._aes)[self.current_id]
        enc = Cipher(_algorithm(prefix, key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(self.current_id.encode())
        body = enc.update(plain.encode("utf-8")) + enc.finalize()
        token = base64.b64encode(nonce + body + enc.tag).decode("ascii")
        return f"{self.current_prefix}{token}"

    def decrypt(self, stored: str) -> str:
        prefix = stored[: len(PREFIX)]
        kid, _, token = stored[len(prefix) :].partition(":")
        key = (self._keys if prefix == PREFIX else self._aes).get(kid)
        if key is None:
            raise DataKeyError(f"a value is encrypted under data key {kid!r}, which is not configured")
        raw = base64.b64decode(token)
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        dec = Cipher(_algorithm(prefix, key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(kid.encode())
        try:
            return (dec.update(body) + dec.finalize()).decode("utf-8")
        except InvalidTag as exc:
            raise DataKeyError(f"a value under data key {kid!r} does not decrypt (altered, or another key)") from exc

    def is_current(self, stored: str) -> bool:
        return stored.startswith(self.current_prefix)

    def _mac(self, kid: str, value: str) -> str:
        mac = hmac.HMAC(self._index[kid], hashes.SM3())
        mac.update(value.encode("utf-8"))
        return f"{INDEX_PREFIX}{kid}:{mac.finalize().hex()}"

    def blind_index(self, phone: str) -> str | None:
        """The lookup index of a phone number under the current key (None for no digits)."""
        norm = normalise_phone(phone)
        return self._mac(self.current_id, norm) if norm else None

    def index_candidates(self, phone: str) -> list[str]:
        """The index the number has under each configured key (a lookup during a rotation)."""
        norm = normalise_phone(phone)
        return [self._mac(kid, norm) for kid in self._index] if norm else []


_installed: DataKeys | None = None


def install(keys: DataKeys | None) -> None:
    global _installed
    _installed = keys


def installed() -> DataKeys | None:
    return _installed


def is_encrypted(value: str | None) -> bool:
    return value is not None and value.startswith(PREFIXES)


def blind_index(phone: str | None) -> str | None:
    """The installed keys' lookup index of a phone (None when there is no phone or no key)."""
    if phone is None or _installed is None:
        return None
    return _installed.blind_index(phone)


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted (see the module). Equality on it cannot be queried."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        text = str(value)
        if is_encrypted(text):  # copied as stored (e.g. from another encrypted column)
            return text
        if _installed is None:
            raise DataKeyError("no data key installed: cannot store a contact or secret (RECTIFY_DATA_KEY)")
        return _installed.encrypt(text)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None or not is_encrypted(value):
            return value  # plaintext from before encryption: the migration encrypts it
        if _installed is None:
            raise DataKeyError("no data key installed: cannot read a contact or secret (RECTIFY_DATA_KEY)")
        return _installed.decrypt(value)


def configured_secret(settings: Any) -> str | None:
    if settings.data_key:
        return str(settings.data_key)
    if settings.data_key_file is not None:
        try:
            return Path(settings.data_key_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise DataKeyError(f"cannot read RECTIFY_DATA_KEY_FILE {settings.data_key_file}: {exc}") from exc
    return None


def data_keys(settings: Any) -> DataKeys:
    """The keys from the settings; in the embedded default (not RECTIFY_ENV=production) a random
    key is kept in `<data dir>/data-key` (0600) when none is configured."""
    secret = configured_secret(settings)
    if secret is None:
        if settings.env == "production":
            raise DataKeyError(
                "no data key: set RECTIFY_DATA_KEY or RECTIFY_DATA_KEY_FILE (a secret of at least 32 characters "
                "kept outside the database) / 未配置数据加密密钥"
            )
        path = Path(settings.data_dir) / "data-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # written aside, then linked into place: a process starting at the same moment never
            # reads a half-written key, and the first to link wins
            draft = path.with_name(f".data-key.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        secret = path.read_text(encoding="utf-8").strip()
    old = [s.strip() for s in (settings.data_keys_old or "").split(",") if s.strip()]
    return DataKeys(secret, old, getattr(settings, "data_cipher", "sm4-gcm"))


def install_from(settings: Any) -> DataKeys:
    """Read the keys once (at a process's start-up) and install them for the column type."""
    keys = data_keys(settings)
    install(keys)
    return keys


#: (table, column, primary key columns)
Column = tuple[str, str, tuple[str, ...]]


def encrypted_columns() -> list[Column]:
    """(table, column, primary key) of every `EncryptedString` column of the models."""
    from .models import metadata

    return sorted(
        (table.name, column.name, tuple(k.name for k in table.primary_key.columns))
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    )


def reencrypt_sync(conn: Any, columns: Iterable[Column], keys: DataKeys, batch: int = 1000) -> int:
    """Encrypt under the current key every value of `columns` that is plaintext (written before
    encryption) or under an older key (rotation); returns how many rows changed. Runs on a
    synchronous connection (a migration's, or `run_sync`), row by row by primary key in batches
    (linear in the table, also for `delivery`). Idempotent."""
    from sqlalchemy import text

    current = f"{keys.current_prefix}%"
    changed = 0
    for table, column, key in columns:
        keys_sql = ", ".join(key)
        match = " AND ".join(f"{k} = :k{n}" for n, k in enumerate(key))
        rows = conn.execute(
            text(f"SELECT {keys_sql}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} NOT LIKE :current"),
            {"current": current},
        ).all()
        for start in range(0, len(rows), batch):
            params = []
            for row in rows[start : start + batch]:
                *pk, stored = row
                plain = keys.decrypt(stored) if is_encrypted(stored) else stored
                params.append({"new": keys.encrypt(plain), **{f"k{n}": v for n, v in enumerate(pk)}})
            conn.execute(text(f"UPDATE {table} SET {column} = :new WHERE {match}"), params)
            changed += len(params)
    return changed
