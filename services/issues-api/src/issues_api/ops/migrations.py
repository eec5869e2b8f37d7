"""`rectify wait-for-migrations`: an init container's wait until the release's `migrate` Job ran.

It polls the database's schema revision and returns once it is this code's head (or newer —
expand/contract keeps older code working, see `schema.schema_state`). A database that does not
answer yet counts as "not yet", so the pod also waits out a database fail-over.
"""

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ..schema import SchemaState, head_revision, schema_state


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        result = await asyncio.wait_for(conn.execute(text("SELECT version_num FROM alembic_version")), 5.0)
        value = result.scalar()
    return None if value is None else str(value)


async def wait_for_migrations(
    engine: AsyncEngine,
    *,
    timeout: float,  # noqa: ASYNC109 — a deadline for the whole wait, reported, not an exception
    interval: float = 2.0,
    report: Callable[[str], None] = print,
) -> bool:
    """True once the schema is current (or ahead); False when `timeout` seconds passed first."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        state: SchemaState | str
        try:
            revision = await current_revision(engine)
            state = schema_state(revision)
            line = f"schema at {revision}, code expects {head_revision()}: {state}"
        except Exception as exc:  # no database yet, or no alembic_version table yet
            state = "unavailable"
            line = f"database not ready: {type(exc).__name__}: {str(exc)[:200]}"
        if line != last:
            report(line)
            last = line
        if state in ("current", "ahead"):
            return True
        if time.monotonic() >= deadline:
            report(f"gave up after {timeout:.0f} s: run `rectify migrate` / 超时：请先运行 rectify migrate")
            return False
        await asyncio.sleep(interval)
