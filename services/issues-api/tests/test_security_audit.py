"""Issue 19 finding #6: a keyed audit chain the app's database role cannot rewrite."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import create_async_engine

from issues_api.audit.chain import GENESIS, hash_record, record_fields
from issues_api.audit.verify import verify_audit
from issues_api.audit.writer import record_audit
from issues_api.auth.principal import Principal, Role
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.models import AuditChain, AuditRecord

RECORDS = AuditRecord.metadata.tables["audit_record"]
HEADS = AuditChain.metadata.tables["audit_chain"]
KEY = b"a-key-outside-the-database-0123456789"
OFFICE = Principal(kind="user", id=5, name="office5", role=Role.office_admin, org_id=5, org_path="/1/5/")


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[tuple[Any, Any, Any]]:
    engine = make_engine(db_url)
    info = {"audit_hash_alg": "sha256", "audit_key": KEY}
    yield engine, make_sessionmaker(engine, info=info), make_sessionmaker(engine, write=False)
    await engine.dispose()


async def _write(write: Any, n: int) -> None:
    async with write() as session:
        for i in range(n):
            await record_audit(
                session, OFFICE, "issue.updated", "issue", i, before={"n": i}, after={"n": i + 1}, org_path="/1/5/"
            )
        await session.commit()


async def _as_owner_without_triggers(write: Any, statements: list[Any]) -> None:
    """What someone holding the tables' owner (or the SQLite file) can still do: bypass the trigger."""
    async with write() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            await session.execute(text("DROP TRIGGER IF EXISTS audit_record_append_only_update"))
        for stmt in statements:
            await session.execute(stmt)
        await session.commit()


async def _verify(read: Any, key: bytes | None = KEY, heads_file: Path | None = None) -> Any:
    async with read() as session:
        return await verify_audit(session, key=key, heads_file=heads_file)


async def test_finding_06_an_edited_and_rehashed_chain_no_longer_verifies(sessions, tmp_path):
    from issues_api.audit.heads import export_heads

    _, write, read = sessions
    await _write(write, 4)
    heads_file = tmp_path / "audit-heads.jsonl"
    async with read() as session:
        assert await export_heads(session, heads_file, KEY) == 1
    assert (await _verify(read, heads_file=heads_file)).ok
    async with read() as session:
        rows = (await session.execute(select(RECORDS).order_by(RECORDS.c.seq))).all()
    assert {r.hash_alg for r in rows} == {"hmac-sha256"}

    async def rewrite(alg: str, key: bytes | None) -> None:
        """Edit record 2, then re-hash it and every later record, and the head, as a forger can."""
        prev, statements = GENESIS, []
        for row in rows:
            fields = {**record_fields(row), "hash_alg": alg}
            if row.seq == 2:
                fields["after"] = {"n": 99}
            fields["prev_hash"] = prev
            new_hash = hash_record(alg, prev, fields, key)
            values = {"after": fields["after"], "hash_alg": alg, "prev_hash": prev, "hash": new_hash}
            statements.append(update(RECORDS).where(RECORDS.c.id == row.id).values(**values))
            prev = new_hash
        statements.append(update(HEADS).where(HEADS.c.chain == "org:5").values(last_hash=prev))
        await _as_owner_without_triggers(write, statements)

    # without the key, re-hashing with a guessed key is caught record by record
    await rewrite("hmac-sha256", b"a-guessed-key-that-is-not-the-real-one")
    report = await _verify(read)
    assert not report.ok and any("hash mismatch" in p.reason for p in report.problems)
    # rewritten as unkeyed digests (as before keys existed), the exported head no longer matches
    await rewrite("sha256", None)
    report = await _verify(read, heads_file=heads_file)
    assert not report.ok and any("exported head" in p.reason for p in report.problems)


async def test_finding_06_the_append_only_trigger_refuses_update_and_delete(sessions):
    _, write, _ = sessions
    await _write(write, 2)
    for statement in ("UPDATE audit_record SET actor = 'someone-else'", "DELETE FROM audit_record"):
        async with write() as session:
            with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
                await session.execute(text(statement))
            await session.rollback()
    async with write() as session:
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
            await session.execute(text("DELETE FROM audit_chain"))


@pytest.mark.postgres
async def test_finding_06_the_app_role_cannot_update_or_delete_audit_rows(pg_db_url):
    engine = make_engine(pg_db_url)
    write = make_sessionmaker(engine, info={"audit_hash_alg": "sha256", "audit_key": KEY})
    try:
        await _write(write, 2)
        # a request under RECTIFY_DB_APP_ROLE: SET LOCAL ROLE rectify_app (non-superuser, not the owner)
        for statement in ("UPDATE audit_record SET actor = 'x'", "DELETE FROM audit_record", "TRUNCATE audit_record"):
            async with write() as session:
                await session.execute(text("SET LOCAL ROLE rectify_app"))
                with pytest.raises(ProgrammingError, match="permission denied"):
                    await session.execute(text(statement))
        async with write() as session:
            await session.execute(text("SET LOCAL ROLE rectify_app"))
            await session.execute(text("SET LOCAL rectify.org_path = '/1/5/'"))
            await record_audit(session, OFFICE, "issue.updated", "issue", 9, before=None, after=None, org_path=None)
            await session.commit()  # appending still works
    finally:
        await engine.dispose()
    # the app connecting as its own login role (RECTIFY_MIGRATE_DATABASE_URL = the owner)
    from issues_api.audit.roles import restrict_app_user

    login = f"rectify_login_{uuid.uuid4().hex[:8]}"
    owner = create_async_engine(pg_db_url, isolation_level="AUTOCOMMIT")
    async with owner.connect() as conn:
        await conn.execute(text(f"CREATE ROLE {login} LOGIN NOSUPERUSER"))
    app_url = pg_db_url.replace("://root@", f"://{login}@")
    try:
        await __import__("asyncio").to_thread(restrict_app_user, pg_db_url, app_url)
        app_engine = make_engine(app_url)
        app_write = make_sessionmaker(app_engine, info={"audit_hash_alg": "sha256", "audit_key": KEY})
        try:
            await _write(app_write, 1)
            async with app_write() as session:
                assert (await session.execute(text("SELECT count(*) FROM audit_record"))).scalar_one() == 4
                with pytest.raises(ProgrammingError, match="permission denied"):
                    await session.execute(text("UPDATE audit_record SET actor = 'x'"))
            async with app_write() as session:
                with pytest.raises(ProgrammingError, match="permission denied"):
                    await session.execute(text("DELETE FROM audit_record"))
        finally:
            await app_engine.dispose()
    finally:
        async with owner.connect() as conn:
            await conn.execute(text(f"DROP OWNED BY {login}"))
            await conn.execute(text(f"DROP ROLE {login}"))
        await owner.dispose()
