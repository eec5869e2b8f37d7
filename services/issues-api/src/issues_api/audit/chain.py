"""The hash chain of the audit trail: pure functions, no I/O.

A record's hash covers every column but `hash` itself, `prev_hash` included, serialised
canonically (sorted keys, no whitespace, UTC timestamps with microseconds). The writer and the
verifier both go through `record_fields`, so they can never disagree on what is hashed.

Records are written with a keyed MAC (`hmac-sha256`, or `hmac-sm3` where OpenSSL has SM3) whose
key lives outside the database (RECTIFY_AUDIT_KEY or a key file): whoever can write the tables
but lacks the key cannot re-hash an edited chain. A new MAC is one entry in `MACS`. Records
written before keys existed (`sha256`, `sm3`: plain digests) still verify, as legacy.
"""

import hashlib
import hmac
import json
import math
import ssl
from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

GENESIS = "0" * 64
#: plain digests of the first releases: still verified, no longer written
LEGACY = ("sha256", "sm3")
#: keyed MACs: name -> the digest under HMAC
MACS = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}
SUPPORTED = (*LEGACY, *MACS)

#: the columns of `audit_record` covered by the hash (all of them but `hash`)
HASHED_FIELDS = (
    "id",
    "created_at",
    "chain",
    "seq",
    "prev_hash",
    "hash_alg",
    "actor",
    "actor_role",
    "actor_org_id",
    "action",
    "entity_type",
    "entity_id",
    "org_path",
    "before",
    "after",
    "request_id",
    "client_addr",
)
#: keyed records also cover the peer and forwarded chain
MAC_FIELDS = (*HASHED_FIELDS, "peer_chain")


def mac_for(digest_alg: str) -> str:
    """The MAC written for the configured digest (RECTIFY_AUDIT_HASH: sha256 | sm3)."""
    name = f"hmac-{digest_alg}"
    if name not in MACS:
        raise ValueError(f"unsupported audit hash algorithm {digest_alg!r}: use one of {', '.join(LEGACY)}")
    return name


def ensure_available(alg: str) -> None:
    """Raise a clear ValueError unless `alg` is supported and this Python's OpenSSL provides it."""
    _hasher(alg)


def _hasher(alg: str, key: bytes | None = None) -> Any:
    if alg not in SUPPORTED:
        raise ValueError(f"unsupported audit hash algorithm {alg!r}: use one of {', '.join(SUPPORTED)}")
    try:
        if alg in MACS:
            if not key:
                raise KeyError(alg)
            return hmac.new(key, digestmod=_digest_constructor(MACS[alg]))
        return hashlib.new(alg)
    except ValueError as exc:
        raise ValueError(
            f"audit hash algorithm {alg!r} is not available in this Python's OpenSSL ({ssl.OPENSSL_VERSION})"
        ) from exc


def _digest_constructor(name: str) -> Callable[..., Any]:
    """hmac wants a constructor; hashlib.new by name covers SM3 where OpenSSL has it."""

    def make(data: bytes = b"") -> Any:
        return hashlib.new(name, data)

    return make


def hash_record(alg: str, prev_hash: str, fields: Mapping[str, Any], key: bytes | None = None) -> str:
    """Hex digest (or MAC under `key`) of the canonical serialisation of `fields` with `prev_hash`."""
    try:
        hasher = _hasher(alg, key)
    except KeyError:
        raise ValueError(f"audit algorithm {alg!r} needs the audit key (RECTIFY_AUDIT_KEY)") from None
    payload = {k: v for k, v in fields.items() if k != "hash"}
    payload["prev_hash"] = prev_hash
    hasher.update(canonical_json(payload).encode("utf-8"))
    digest: str = hasher.hexdigest()
    return digest


def canonical_json(value: Any) -> str:
    return json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a hashed audit field")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, float) and value.is_integer():
        # PostgreSQL's JSONB stores numbers as numeric: 1e20 comes back as the integer
        # 100000000000000000000 and 3.0 may come back as 3 — hash both sides the same way.
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def record_fields(record: Any) -> dict[str, Any]:
    """Exactly the hashed fields of an AuditRecord (or of a row with the same attributes)."""
    names = MAC_FIELDS if getattr(record, "hash_alg", None) in MACS else HASHED_FIELDS
    return {name: getattr(record, name) for name in names}


def jsonable(value: Any) -> Any:
    """`value` as JSON-native data (str, int, float, bool, None, lists, str-keyed dicts).

    The audit trail stores before/after as JSON; what is stored is what is hashed, so it must
    read back from the database exactly as written: dates become ISO strings, enums their values.
    """
    if isinstance(value, Enum):
        return jsonable(value.value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return jsonable(value.model_dump(mode="json"))
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
