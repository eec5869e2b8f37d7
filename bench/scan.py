"""Deadline scan: the notifier's scan of every open measure and issue, against its bare SQL.

The scan runs as in production (`notifier.escalation.scan.scan`: policy, calendar, set-based
INSERT ... SELECT per rule, outbox events, resolutions) in a transaction that is rolled back,
so every repeat escalates the same rows. Its escalating statements (the INSERT ... SELECT into
`escalation`), captured on the way, are then replayed by asyncpg alone in a rolled-back
transaction: that is the bare SQL's time.

On PostgreSQL the scan writes a created escalation's outbox event in the statement that creates
it (`WITH created AS (INSERT INTO escalation ... RETURNING ...), events AS (INSERT INTO
outbox_event ...) SELECT count(*) ...`); the bare SQL is that statement's INSERT INTO escalation
... SELECT ... RETURNING escalation.id alone (`bare_statement`), the statement the scan ran
before it wrote events that way: the outbox is part of the scan's cost, not of its bare SQL.
"""

import re
import statistics
import time
from datetime import date
from typing import Any

import asyncpg
from results import Result
from sqlalchemy import event

from notifier.escalation.scan import scan
from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.settings import Settings

AS_OF = date(2025, 6, 30)  # after most generated deadlines: a full ladder of after-deadline rules
GOAL_RATIO = 1.5


_WITH_EVENTS = re.compile(
    r"WITH created AS\s*\((INSERT INTO escalation\b.*) RETURNING escalation\.id\b[^()]*\),"
    r"\s*events AS\s*\(INSERT INTO outbox_event\b",
    re.DOTALL,
)


def bare_statement(statement: str, parameters: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]] | None:
    """The escalating INSERT ... SELECT in a statement the scan ran, with its parameters
    (renumbered $1, $2, ... when it is a CTE's); None for any other statement."""
    text = statement.lstrip()
    if text.upper().startswith("INSERT INTO ESCALATION"):
        return (statement, parameters) if " SELECT " in text.upper() else None
    match = _WITH_EVENTS.match(text)
    if match is None or " SELECT " not in match.group(1).upper():
        return None
    numbers: dict[int, int] = {}

    def renumber(m: re.Match[str]) -> str:
        return f"${numbers.setdefault(int(m.group(1)), len(numbers) + 1)}"

    sql = re.sub(r"\$(\d+)", renumber, match.group(1)) + " RETURNING escalation.id"
    return sql, tuple(parameters[n - 1] for n in numbers)


async def scan_once(sessions: Any, engine: Any) -> tuple[float, int, list[tuple[str, tuple[Any, ...]]]]:
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if (bare := bare_statement(statement, tuple(parameters or ()))) is not None:
            captured.append(bare)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessions() as session:
            started = time.perf_counter()
            result = await scan(session, AS_OF)
            seconds = time.perf_counter() - started
            await session.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return seconds, result.created, captured


async def _bare_once(dsn: str, statements: list[tuple[str, tuple[Any, ...]]]) -> tuple[float, int]:
    conn = await asyncpg.connect(dsn)
    try:
        tr = conn.transaction()
        await tr.start()
        started = time.perf_counter()
        created = 0
        for sql, params in statements:
            created += len(await conn.fetch(sql, *params))
        seconds = time.perf_counter() - started
        await tr.rollback()
    finally:
        await conn.close()
    return seconds, created


async def run_scan_bench(settings: Settings, dsn: str, repeats: int, log: Any) -> list[Result]:
    engine = engine_for(settings, pool_size=2)
    sessions = make_sessionmaker(engine, write=True)
    try:
        async with engine.connect() as conn:
            open_measures = (
                await conn.exec_driver_sql(
                    "SELECT count(*) FROM measure WHERE status <> 'completed' AND withdrawn_at IS NULL"
                )
            ).scalar_one()
        scans: list[float] = []
        bares: list[float] = []
        created = 0
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for r in range(repeats):
            for what in ("scan", "bare") if r % 2 == 0 else ("bare", "scan"):  # repeat 0 captures first
                if what == "scan":
                    seconds, created, statements = await scan_once(sessions, engine)
                    scans.append(seconds)
                else:
                    bares.append((await _bare_once(dsn, statements))[0])
        log(f"scan: {open_measures} open measures, {created} escalations per scan")
    finally:
        await engine.dispose()
    name = f"scan.deadlines ({open_measures} open measures, {created} escalated)"
    return [
        Result.timing(name, "time", statistics.median(scans), "s", statistics.median(bares), goal_ratio_max=GOAL_RATIO)
    ]
