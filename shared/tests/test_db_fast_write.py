"""`db_fast.write`: the hottest write's INSERTs and UPDATEs on the session's own connection.

What a caller would notice if it went wrong: a row that is not the one the ORM would have
written (a JSON payload stored as a string, a time without its zone), a write outside the
session's transaction (kept after a rollback), or a column whose default SQLAlchemy computes per
execution silently written as NULL (`write` runs no execution context: it refuses those).
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, bindparam, insert, select

from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.db_fast import _prepared, bound, insert_of, write
from rectify_shared.models import OutboxEvent

KEYS = ("id", "created_at", "event_type", "aggregate_type", "aggregate_id", "org_path", "in_feed", "payload",
        "request_id")  # fmt: skip
INSERT = insert_of(OutboxEvent.__table__, KEYS)


def _row(n: int) -> dict[str, object]:
    return {
        "id": n,
        "created_at": datetime(2026, 12, 7, 10, 0, n, tzinfo=UTC),
        "event_type": "progress.reported",
        "aggregate_type": "progress_report",
        "aggregate_id": 10**17 + n,
        "org_path": "/1/",
        "in_feed": True,
        "payload": {"id": 10**17 + n, "text": "整改进展", "nested": {"ids": [1, 2]}, "none": None},
        "request_id": None,
    }


async def test_a_written_row_is_the_one_the_orm_writes_within_the_session(db_url):
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await write(session, INSERT, bound(_row(1)))
            session.add(OutboxEvent(**_row(2)))
            await session.commit()
        async with make_sessionmaker(engine)() as session:
            await write(session, INSERT, bound(_row(3)))
            await session.rollback()  # the session's transaction: gone with it
        async with make_sessionmaker(engine)() as session:
            rows = (await session.execute(select(OutboxEvent).order_by(OutboxEvent.id))).scalars().all()
        assert [r.id for r in rows] == [1, 2]
        fast, orm = rows
        for name in ("event_type", "aggregate_type", "org_path", "in_feed", "request_id"):
            assert getattr(fast, name) == getattr(orm, name)
        assert fast.payload == _row(1)["payload"] and orm.payload == _row(2)["payload"]
        assert fast.created_at == _row(1)["created_at"] and fast.position is None and fast.published_at is None
    finally:
        await engine.dispose()


def test_a_default_computed_per_execution_is_refused_not_written_null():
    from sqlalchemy.dialects.postgresql import asyncpg

    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime, default=datetime.now)
    )
    with pytest.raises(ValueError, match="at"):
        _prepared(insert(table).values(id=bindparam("b_id")), asyncpg.dialect())
    assert _prepared(insert_of(table, ("id", "at")), asyncpg.dialect()).sql.startswith("INSERT INTO t (id, at)")
