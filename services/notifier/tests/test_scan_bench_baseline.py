"""The scan benchmark's baseline (bench/scan.py): on PostgreSQL the scan writes its created
escalations' outbox events in the escalating statement itself; the bare SQL the benchmark
replays must still be the INSERT INTO escalation ... SELECT alone, writing what the scan's
statements wrote to `escalation` and nothing to the outbox."""

import importlib.util
import re
import sys
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from rectify_shared.models import OutboxEvent

from .escalation_data import Ledger, engine_and_sessions, escalations

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture
def db_url(pg_db_url: str) -> str:
    """PostgreSQL only: the benchmark's bare SQL is replayed by asyncpg."""
    return pg_db_url


def _bench_scan():
    sys.path.insert(0, str(BENCH))  # bench/scan.py imports bench/results.py
    try:
        spec = importlib.util.spec_from_file_location("bench_scan", BENCH / "scan.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


async def test_the_bare_sql_is_the_escalating_inserts_without_the_outbox(db_url):
    engine, sessions = engine_and_sessions(db_url)
    try:
        async with sessions() as s:
            ledger = await Ledger(s).setup()
            issue = await ledger.issue(1, lead="dept_a", deadline=date(2024, 12, 31))
            await ledger.measure(issue, 1, org="dept_b", deadline=date(2024, 12, 31))
            await ledger.measure(issue, 2, org="dept_a", deadline=date(2025, 1, 20))
            await s.commit()
        bench = _bench_scan()
        bench.AS_OF = date(2025, 2, 10)
        _, created, statements = await bench.scan_once(sessions, engine)  # rolled back
        assert created == 2 and statements  # one notice per unit: dept_a's measure folds into its problem's
        for sql, params in statements:
            assert sql.startswith("INSERT INTO escalation") and sql.endswith(" RETURNING escalation.id")
            assert "outbox_event" not in sql and " SELECT " in sql
            assert len(params) == len(set(re.findall(r"\$(\d+)", sql)))  # renumbered $1 ... $n
        # replayed alone (and committed, to look at what they wrote): the scan's escalations, no events
        conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            replayed = sum([len(await conn.fetch(sql, *params)) for sql, params in statements])
        finally:
            await conn.close()
        assert replayed == created
        assert len(await escalations(sessions)) == created
        async with sessions() as s:
            assert (await s.execute(select(func.count()).select_from(OutboxEvent))).scalar_one() == 0
    finally:
        await engine.dispose()
