"""Verifying the audit trail: every chain, record by record, in bounded memory.

Each chain is streamed in seq order in batches (keyset on (seq, id)), so millions of records
never sit in memory at once. Detected: an edited record (its hash no longer matches), a deleted
record (a seq gap, or a prev_hash that is not the previous record's hash), a duplicated or
reordered seq, a deleted tail (the head disagrees with the last record), and records whose
chain has no head.
"""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.models import AuditChain, AuditRecord

from ..core.pagination import after_key
from .chain import GENESIS, LEGACY, MACS, SUPPORTED, hash_record, record_fields

BATCH = 1000


@dataclass(frozen=True)
class Problem:
    chain: str
    record_id: int | None
    seq: int | None
    reason: str


@dataclass
class VerifyReport:
    ok: bool = True
    chains: int = 0
    records_checked: int = 0
    #: the smallest and largest record id checked (None: no records)
    first_id: int | None = None
    last_id: int | None = None
    problems: list[Problem] = field(default_factory=list)


async def verify_audit(
    session: AsyncSession,
    *,
    batch: int = BATCH,
    key: bytes | None = None,
    heads_file: Any = None,
    only: Callable[[str], bool] | None = None,
) -> VerifyReport:
    """Every chain record by record (keyed records need `key`), then the exported heads;
    `only` keeps the chains it accepts (the API's office admin: the chains of its subtree's orgs)."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # One snapshot for the whole run, so appends committed meanwhile cannot look like tampering.
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    heads = {h.chain: h for h in (await session.execute(select(AuditChain))).scalars()}
    chains = sorted(c for c in set(heads) | {c async for c in _record_chains(session)} if only is None or only(c))
    report = VerifyReport(chains=len(chains))
    for chain in chains:
        await _verify_chain(session, chain, heads.get(chain), report, batch, key)
    if heads_file is not None and key:
        from .heads import check_heads

        for chain, seq, reason in await check_heads(session, heads_file, key):
            report.problems.append(Problem(chain, None, seq, reason))
    report.ok = not report.problems
    return report


async def _record_chains(session: AsyncSession) -> AsyncIterator[str]:
    """The distinct chains of audit_record, one index probe each (a loose index scan)."""
    last: str | None = None
    while True:
        stmt = select(func.min(col(AuditRecord.chain)))
        if last is not None:
            stmt = stmt.where(col(AuditRecord.chain) > last)
        found = (await session.execute(stmt)).scalar_one_or_none()
        if found is None:
            return
        yield found
        last = found


async def _records(session: AsyncSession, chain: str, batch: int) -> AsyncIterator[Any]:
    """The chain's records in (seq, id) order, as plain rows (never kept in the identity map)."""
    table = AuditRecord.metadata.tables["audit_record"]
    after: tuple[int, int] | None = None
    while True:
        stmt = select(table).where(table.c.chain == chain)
        if after is not None:
            stmt = stmt.where(after_key(table.c.seq, table.c.id, after[0], after[1], desc=False))
        rows = (await session.execute(stmt.order_by(table.c.seq, table.c.id).limit(batch))).all()
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = (rows[-1].seq, rows[-1].id)


async def _verify_chain(
    session: AsyncSession, chain: str, head: AuditChain | None, report: VerifyReport, batch: int, key: bytes | None
) -> None:
    def problem(record_id: int | None, seq: int | None, reason: str) -> None:
        report.problems.append(Problem(chain, record_id, seq, reason))

    expected_seq = 1
    prev_hash = GENESIS
    last: Any = None
    keyed_seen = False
    async for rec in _records(session, chain, batch):
        report.records_checked += 1
        report.first_id = rec.id if report.first_id is None else min(report.first_id, rec.id)
        report.last_id = rec.id if report.last_id is None else max(report.last_id, rec.id)
        if last is None and head is None:
            problem(rec.id, rec.seq, "chain has no head row in audit_chain (head deleted?)")
        if rec.hash_alg not in SUPPORTED:
            problem(rec.id, rec.seq, f"unknown hash algorithm {rec.hash_alg!r}")
        elif rec.hash_alg in MACS and not key:
            problem(rec.id, rec.seq, "keyed record but no audit key given (RECTIFY_AUDIT_KEY): cannot verify")
        elif rec.hash_alg in LEGACY and keyed_seen:
            problem(rec.id, rec.seq, "unkeyed record after keyed ones: written without the key (forged?)")
        else:
            keyed_seen = keyed_seen or rec.hash_alg in MACS
            try:
                computed = hash_record(rec.hash_alg, rec.prev_hash, record_fields(rec), key)
            except ValueError as exc:
                problem(rec.id, rec.seq, f"cannot hash the record: {exc}")
            else:
                if computed != rec.hash:
                    problem(rec.id, rec.seq, "hash mismatch: the record was edited")
        if last is not None and rec.seq == last.seq:
            problem(rec.id, rec.seq, f"duplicate seq {rec.seq} (also record {last.id})")
        elif rec.seq > expected_seq:
            missing = str(expected_seq) if rec.seq == expected_seq + 1 else f"{expected_seq}..{rec.seq - 1}"
            problem(rec.id, rec.seq, f"seq gap: record(s) {missing} missing before this one (deleted?)")
        elif rec.prev_hash != prev_hash:
            what = "the genesis hash" if last is None else f"the hash of seq {last.seq} (record {last.id})"
            problem(rec.id, rec.seq, f"prev_hash does not match {what}: a record before it was edited or removed")
        prev_hash = rec.hash
        expected_seq = rec.seq + 1
        last = rec

    if head is None:
        return
    if last is None:
        if head.last_seq != 0 or head.last_record_id is not None:
            problem(head.last_record_id, head.last_seq, "head names a last record but the chain has no records")
        return
    if head.last_seq != last.seq or head.last_record_id != last.id or head.last_hash != last.hash:
        problem(
            head.last_record_id,
            head.last_seq,
            f"head says the last record is seq {head.last_seq} (record {head.last_record_id}) but the chain ends "
            f"at seq {last.seq} (record {last.id}): records deleted from the tail, or head tampered with",
        )


def format_report(report: VerifyReport) -> str:
    lines = [f"chain {p.chain}  record {p.record_id}  seq {p.seq}: {p.reason}" for p in report.problems]
    summary = f"{report.chains} chain(s), {report.records_checked} record(s) checked"
    if report.ok:
        lines.append(f"OK: audit trail intact — {summary}")
    else:
        lines.append(f"FAILED: {len(report.problems)} problem(s) — {summary}")
    return "\n".join(lines)


async def run_verify(database_url: str, key: bytes | None = None, heads_file: Any = None) -> int:
    """`rectify audit verify`: print one line per problem and a final OK/FAILED line; 0 if intact."""
    engine = make_engine(database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine, write=False)() as session:
            report = await verify_audit(session, key=key, heads_file=heads_file)
    finally:
        await engine.dispose()
    print(format_report(report))
    return 0 if report.ok else 1
