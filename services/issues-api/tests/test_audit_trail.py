"""Writing and verifying the audit trail on SQLite and PostgreSQL, and catching tampering."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from issues_api.audit.chain import GENESIS, hash_record, record_fields
from issues_api.audit.verify import run_verify, verify_audit
from issues_api.audit.writer import record_audit
from issues_api.auth.principal import Principal, Role, system_principal
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.models import AuditChain, AuditRecord

RECORDS = AuditRecord.metadata.tables["audit_record"]
HEADS = AuditChain.metadata.tables["audit_chain"]
KEY = b"k" * 40  # the audit key (RECTIFY_AUDIT_KEY), kept outside the database
INFO = {"audit_hash_alg": "sha256", "audit_key": KEY}
TRIGGERS = ("audit_record_append_only_update", "audit_record_append_only_delete", "audit_chain_append_only_delete")


def user(org_id: int, name: str | None = None) -> Principal:
    return Principal(
        kind="user",
        id=org_id,
        name=name or f"office{org_id}",
        role=Role.office_admin,
        org_id=org_id,
        org_path=f"/1/{org_id}/",
        client_addr="10.0.0.9",
        request_id=f"req-{org_id}",
    )


@dataclass
class Db:
    engine: AsyncEngine
    write: async_sessionmaker[AsyncSession]
    read: async_sessionmaker[AsyncSession]

    async def verify(self, **kw: Any) -> Any:
        async with self.read() as session:
            return await verify_audit(session, **{"key": KEY, **kw})

    async def execute(self, stmt: Any) -> None:
        """Tampering as the database's owner would: past the append-only triggers."""
        async with self.write() as session:
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text("SET LOCAL session_replication_role = replica"))  # triggers off
            else:
                for name in TRIGGERS:
                    await session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            await session.execute(stmt)
            await session.commit()

    async def chain(self, chain: str) -> list[Any]:
        async with self.read() as session:
            return list((await session.execute(select(RECORDS).where(RECORDS.c.chain == chain).order_by("seq"))).all())


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Db]:
    engine = make_engine(db_url)
    yield Db(engine, make_sessionmaker(engine, info=dict(INFO)), make_sessionmaker(engine, write=False))
    await engine.dispose()


async def write_many(db: Db, principal: Principal, n: int, *, per_tx: int = 3, alg: str | None = None) -> None:
    written = 0
    while written < n:
        async with db.write() as session:
            if alg:
                session.info["audit_hash_alg"] = alg
            for _ in range(min(per_tx, n - written)):
                written += 1
                await record_audit(
                    session,
                    principal,
                    "issue.update",
                    "issue",
                    written,
                    before={"status": "in_progress", "n": written},
                    after={"status": "completed", "n": written + 0.5},
                    org_path=principal.org_path,
                )
            await session.commit()


@pytest.fixture
async def written(db: Db) -> Db:
    """~20 records on two chains, interleaved."""
    for _ in range(2):
        await write_many(db, user(5), 5)
        await write_many(db, user(6), 5, per_tx=1)
    return db


async def test_written_chains_verify(written: Db) -> None:
    report = await written.verify()
    assert report.ok, report.problems
    assert (report.chains, report.records_checked) == (2, 20)
    records = await written.chain("org:5")
    assert [r.seq for r in records] == list(range(1, 11))
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    assert records[0].after == {"status": "completed", "n": 1.5} and records[0].entity_id == "1"
    assert (records[0].actor, records[0].actor_role, records[0].actor_org_id) == ("office5", "office_admin", 5)
    async with written.read() as session:
        head = (await session.execute(select(HEADS).where(HEADS.c.chain == "org:5"))).one()
    assert (head.last_seq, head.last_hash, head.last_record_id) == (10, records[-1].hash, records[-1].id)
    # small batches exercise the keyset across batch boundaries
    assert (await written.verify(batch=3)).ok


async def test_system_principals_write_to_the_system_chain(db: Db) -> None:
    await write_many(db, system_principal(), 2)
    records = await db.chain("system")
    assert [r.seq for r in records] == [1, 2] and records[0].org_path == "/"
    assert (await db.verify()).ok


async def test_an_edited_record_is_named(written: Db) -> None:
    target = (await written.chain("org:5"))[3]
    await written.execute(update(RECORDS).where(RECORDS.c.id == target.id).values(after={"status": "closed"}))
    report = await written.verify()
    assert not report.ok
    assert [(p.chain, p.record_id, p.seq) for p in report.problems] == [("org:5", target.id, 4)]
    assert "hash mismatch" in report.problems[0].reason


async def test_a_deleted_middle_record_is_a_gap(written: Db) -> None:
    records = await written.chain("org:6")
    await written.execute(delete(RECORDS).where(RECORDS.c.id == records[4].id))
    report = await written.verify()
    assert [(p.chain, p.record_id, p.seq) for p in report.problems] == [("org:6", records[5].id, 6)]
    assert "seq gap" in report.problems[0].reason and "5" in report.problems[0].reason


async def test_a_deleted_and_renumbered_record_breaks_the_links(written: Db) -> None:
    records = await written.chain("org:6")
    await written.execute(delete(RECORDS).where(RECORDS.c.id == records[9].id))
    await written.execute(update(RECORDS).where(RECORDS.c.id == records[8].id).values(seq=10))
    await written.execute(delete(RECORDS).where(RECORDS.c.id == records[7].id))
    report = await written.verify()
    assert {p.record_id for p in report.problems} >= {records[8].id}


async def test_a_deleted_tail_disagrees_with_the_head(written: Db) -> None:
    records = await written.chain("org:5")
    await written.execute(delete(RECORDS).where(RECORDS.c.id == records[-1].id))
    report = await written.verify()
    assert [(p.chain, p.record_id, p.seq) for p in report.problems] == [("org:5", records[-1].id, 10)]
    assert "tail" in report.problems[0].reason


async def test_an_edited_record_with_a_recomputed_hash_breaks_the_next_link(written: Db) -> None:
    records = await written.chain("org:5")
    target = records[2]
    forged = {**record_fields(target), "after": {"status": "closed"}}
    new_hash = hash_record(target.hash_alg, target.prev_hash, forged, KEY)  # a forger holding the key
    await written.execute(
        update(RECORDS).where(RECORDS.c.id == target.id).values(after={"status": "closed"}, hash=new_hash)
    )
    report = await written.verify()
    assert [(p.record_id, p.seq) for p in report.problems] == [(records[3].id, 4)]
    assert "prev_hash" in report.problems[0].reason


async def test_a_duplicated_seq_and_a_missing_head_are_found(written: Db) -> None:
    original = (await written.chain("org:6"))[2]
    copy = {**original._mapping, "id": original.id + 1, "created_at": original.created_at.replace(microsecond=1)}
    await written.execute(insert(RECORDS).values(copy))
    await written.execute(delete(HEADS).where(HEADS.c.chain == "org:5"))
    report = await written.verify(batch=2)
    reasons = {(p.chain, p.seq): p.reason for p in report.problems}
    assert "duplicate seq 3" in reasons[("org:6", 3)]
    assert "no head" in reasons[("org:5", 1)]


async def test_a_chain_hashed_with_sm3_verifies(db: Db) -> None:
    await write_many(db, user(7), 6, alg="sm3")
    records = await db.chain("org:7")
    assert {r.hash_alg for r in records} == {"hmac-sm3"}
    assert records[0].hash == hash_record("hmac-sm3", GENESIS, record_fields(records[0]), KEY)
    assert (await db.verify()).ok
    await db.execute(update(RECORDS).where(RECORDS.c.id == records[1].id).values(actor="someone else"))
    assert [p.record_id for p in (await db.verify()).problems] == [records[1].id]


async def test_an_unknown_configured_algorithm_is_refused(db: Db) -> None:
    async with db.write() as session:
        session.info["audit_hash_alg"] = "md5"
        with pytest.raises(ValueError, match="unsupported audit hash algorithm"):
            await record_audit(session, user(5), "x", "issue", 1, before=None, after=None, org_path=None)


async def test_run_verify_prints_and_exits(written: Db, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_verify(db_url, KEY) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("OK")
    target = (await written.chain("org:6"))[6]
    await written.execute(update(RECORDS).where(RECORDS.c.id == target.id).values(entity_id="999"))
    assert await run_verify(db_url, KEY) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert f"record {target.id}" in lines[0] and "chain org:6" in lines[0] and "seq 7" in lines[0]
    assert lines[-1].startswith("FAILED")


async def test_concurrent_appends_to_one_chain_serialise(db: Db, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: SQLite serialises writers with BEGIN IMMEDIATE")

    async def append(name: str) -> None:
        for i in range(20):
            async with db.write() as session:
                await record_audit(
                    session, user(5, name), "issue.update", "issue", i, before=None, after={"i": i}, org_path="/1/5/"
                )
                await asyncio.sleep(0)
                await session.commit()

    await asyncio.gather(append("alice"), append("bob"))
    records = await db.chain("org:5")
    assert [r.seq for r in records] == list(range(1, 41))
    assert {r.actor for r in records} == {"alice", "bob"}
    report = await db.verify()
    assert report.ok and report.records_checked == 40
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(HEADS))).scalar_one() == 1
