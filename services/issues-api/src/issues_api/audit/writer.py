"""Appending to the audit trail, in the caller's transaction (the caller commits).

One chain per acting org (`org:<id>`; system principals write to `system`), so appends by
different orgs never wait for each other. Appending locks the chain's head row: on PostgreSQL
with SELECT … FOR UPDATE; on SQLite the app's write sessions BEGIN IMMEDIATE, which already
serialises writers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import core_execute, dialect_of, fetch, write
from rectify_shared.ids import new_id
from rectify_shared.models import AuditChain, AuditRecord
from rectify_shared.models.types import utcnow

from ..auth import request_context
from ..auth.principal import Principal
from .chain import GENESIS, hash_record, jsonable, mac_for, record_fields

#: where the app puts the configured algorithm (settings `RECTIFY_AUDIT_HASH`) and the MAC key
HASH_ALG_INFO_KEY = "audit_hash_alg"
KEY_INFO_KEY = "audit_key"
DEFAULT_HASH_ALG = "sha256"

_MISSING = object()

# An append runs these statements (the upsert only for a new chain): built once with bind
# parameters, run as Core on the session's connection (no ORM compile state or session
# synchronisation; no AuditChain is ever loaded in a writing session, and the locked row must
# not come from the identity map anyway).
_HEAD = AuditChain.__table__  # type: ignore[attr-defined]
#: the records go in as Core too: a SQLModel table instance costs more to build and to flush than
#: the statement (about 0.3 ms of CPU a write, measured in bench/)
_RECORD = AuditRecord.__table__  # type: ignore[attr-defined]
_RECORD_KEYS = (
    "id", "created_at", "chain", "seq", "prev_hash", "hash", "hash_alg", "actor", "actor_role", "actor_org_id",
    "action", "entity_type", "entity_id", "org_path", "before", "after", "request_id", "client_addr", "peer_chain",
)  # fmt: skip


def _record_rows(n: int) -> list[dict[str, Any]]:
    return [{k: bindparam(f"b{i}_{k}", type_=_RECORD.c[k].type) for k in _RECORD_KEYS} for i in range(n)]


@lru_cache(maxsize=8)
def _insert_records(n: int) -> Any:
    """One INSERT of `n` records (built once per `n`), the i-th record's values bound as `b<i>_<key>`."""
    return insert(_RECORD).values(_record_rows(n))


def _bound_records(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {f"b{i}_{k}": v for i, values in enumerate(records) for k, v in values.items()}


_HEAD_VALUES = {
    "chain": bindparam("b_chain"),
    "last_seq": 0,
    "last_hash": GENESIS,
    "last_record_id": None,
    "updated_at": bindparam("b_now", type_=_HEAD.c.updated_at.type),
}
_INSERT_HEAD = {
    "postgresql": postgresql.insert(_HEAD).values(_HEAD_VALUES).on_conflict_do_nothing(index_elements=["chain"]),
    "sqlite": sqlite.insert(_HEAD).values(_HEAD_VALUES).on_conflict_do_nothing(index_elements=["chain"]),
}
_LOCK_HEAD = select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.chain == bindparam("b_chain")).with_for_update()
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.chain == bindparam("b_chain"))
    .values(
        last_seq=bindparam("b_seq"),
        last_hash=bindparam("b_hash"),
        last_record_id=bindparam("b_record_id"),
        updated_at=bindparam("b_now", type_=_HEAD.c.updated_at.type),
    )
)


@lru_cache(maxsize=8)
def _append(n: int) -> Any:
    """PostgreSQL: the `n` records inserted and the head advanced in one statement (the INSERT a
    data-modifying CTE of the UPDATE: one round trip where there were two)."""
    return _ADVANCE_HEAD.add_cte(_insert_records(n).cte("appended"))


@lru_cache(maxsize=32)
def _append_with(n: int, also: Any) -> Any:
    """`_append(n)` with `also` (an INSERT built once, e.g. the change's outbox events) a further
    data-modifying CTE of the same statement."""
    return _append(n).add_cte(also.cte("also"))


def chain_key(principal: Principal) -> str:
    return "system" if principal.kind == "system" else f"org:{principal.org_id}"


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as JSON-native values (a key missing on one side stays missing)."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key in [*before, *(k for k in after if k not in before)]:
        b = jsonable(before[key]) if key in before else _MISSING
        a = jsonable(after[key]) if key in after else _MISSING
        if b == a and type(b) is type(a):
            continue
        if b is not _MISSING:
            old[str(key)] = b
        if a is not _MISSING:
            new[str(key)] = a
    return old, new


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One record to append (`record_audits`): what was done to which entity, in whose scope."""

    action: str
    entity_type: str
    entity_id: int | str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    org_path: str | None


async def record_audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity_type: str,
    entity_id: int | str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    org_path: str | None,
) -> AuditRecord:
    """Append one record to the principal's chain.

    `org_path` is the scope of the entity acted on (auditors of that subtree see the record);
    when there is none (a login, a key rotation) the actor's own org path is used.
    """
    entry = AuditEntry(action, entity_type, entity_id, before, after, org_path)
    return (await record_audits(session, principal, (entry,)))[0]


async def record_audits(
    session: AsyncSession,
    principal: Principal,
    entries: Sequence[AuditEntry],
    also: tuple[Any, dict[str, Any]] | None = None,
) -> list[AuditRecord]:
    """`append_audits`, the records as `AuditRecord`s (unattached to the session)."""
    return [AuditRecord.model_construct(**values) for values in await append_audits(session, principal, entries, also)]


async def append_audits(
    session: AsyncSession,
    principal: Principal,
    entries: Sequence[AuditEntry],
    also: tuple[Any, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Append `entries`, in order, to the principal's chain under one lock of its head: the
    records chained one to the next as single appends would chain them, all inserted by one
    statement, the head advanced once (to the last); on PostgreSQL the insert and the advance
    are one statement. A progress report with its evidence link appends two records: one lock
    and one statement after it, where two appends ran six. The records' values come back (a
    caller that needs none builds no entity: `record_audits` builds them).

    `also` (an INSERT built once and its parameters, whose names must not be the records' `b…`:
    the changes' outbox events, `outbox.change.record_changes`) goes in with them: on PostgreSQL
    inside the same statement, elsewhere just before the lock."""
    if not entries:
        if also is not None:
            await write(session, *also)
        return []
    postgres = dialect_of(session).name == "postgresql"
    if also is not None and not postgres:
        await write(session, *also)
    alg = mac_for(str(session.info.get(HASH_ALG_INFO_KEY, DEFAULT_HASH_ALG)))
    key = session.info.get(KEY_INFO_KEY)
    if not isinstance(key, bytes) or not key:
        raise RuntimeError("no audit key in this session's info (audit.keys.session_info): refusing an unkeyed record")
    chain = chain_key(principal)
    ctx = request_context.current()
    # the server's id for the request: a client-chosen X-Request-ID never reaches the trail
    request_id = principal.request_id or (ctx.request_id if ctx else None)
    peer_chain = ctx.chain if ctx else None
    last_seq, last_hash = await _lock_head(session, chain)

    records: list[dict[str, Any]] = []
    for entry in entries:
        values: dict[str, Any] = {
            "id": new_id(),
            "created_at": utcnow(),
            "chain": chain,
            "seq": last_seq + 1,
            "prev_hash": last_hash,
            "hash": "",
            "hash_alg": alg,
            "actor": principal.name,
            "actor_role": principal.role.value,
            "actor_org_id": principal.org_id,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": str(entry.entity_id),
            "org_path": entry.org_path if entry.org_path is not None else principal.org_path,
            "before": jsonable(entry.before) if entry.before is not None else None,
            "after": jsonable(entry.after) if entry.after is not None else None,
            "request_id": request_id,
            "client_addr": principal.client_addr,
            "peer_chain": peer_chain,
        }
        values["hash"] = hash_record(alg, last_hash, record_fields(SimpleNamespace(**values)), key)
        last_seq, last_hash = values["seq"], values["hash"]
        records.append(values)
    last = records[-1]
    advance = {
        "b_chain": chain,
        "b_seq": last["seq"],
        "b_hash": last["hash"],
        "b_record_id": last["id"],
        "b_now": last["created_at"],
    }
    if postgres and also is not None:
        params = {**_bound_records(records), **advance, **also[1]}
        await write(session, _append_with(len(records), also[0]), params)
    elif postgres:
        await write(session, _append(len(records)), {**_bound_records(records), **advance})
    else:
        await write(session, _insert_records(len(records)), _bound_records(records))
        await write(session, _ADVANCE_HEAD, advance)
    return records


async def _lock_head(session: AsyncSession, chain: str) -> tuple[int, str]:
    """Lock the chain's head and return (last_seq, last_hash); create the head first if the chain
    is new. The head almost always exists (one per acting org), so the lock comes first and the
    upsert only when it found nothing: one statement per append instead of two. Two first appends
    of a new chain at once both upsert (the second waits on the first's uncommitted row and does
    nothing), then both lock: the second waits for the first's commit, as before."""
    rows = await fetch(session, _LOCK_HEAD, {"b_chain": chain})
    row = rows[0] if rows else None
    if row is None:
        dialect = session.get_bind().dialect.name
        insert_head = _INSERT_HEAD.get(dialect)
        if insert_head is None:  # pragma: no cover - only the two supported engines
            raise RuntimeError(f"unsupported database dialect {dialect!r} for the audit trail")
        await core_execute(session, insert_head, {"b_chain": chain, "b_now": utcnow()})
        # Core, not the ORM: an AuditChain already in the identity map must not mask the locked row.
        row = (await core_execute(session, _LOCK_HEAD, {"b_chain": chain})).one()
    return int(row.last_seq), str(row.last_hash)
