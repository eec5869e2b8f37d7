"""`rectify partitions` and the upkeep `rectify migrate` runs (PostgreSQL; see rectify_shared.partitions)."""

from rectify_shared.db import engine_for
from rectify_shared.partitions import ensure_partitions, list_partitions
from rectify_shared.settings import Settings


def as_owner(settings: Settings) -> Settings:
    """The tables' owner creates partitions (RECTIFY_MIGRATE_DATABASE_URL when set): the app's own role
    may not create a partition of a table it does not own."""
    if not settings.migrate_database_url:
        return settings
    return settings.model_copy(update={"database_url": settings.migrate_database_url})


async def upkeep(settings: Settings) -> list[str]:
    """Create the partitions due (nothing on SQLite)."""
    if not settings.effective_database_url.startswith("postgresql"):
        return []
    engine = engine_for(as_owner(settings), pool_size=1)
    try:
        return await ensure_partitions(engine, settings.partition_months_ahead)
    finally:
        await engine.dispose()


async def report(settings: Settings, *, exact: bool, create: bool) -> tuple[list[str], list[str]]:
    """(lines to print, warnings): the partitions created, then each partition and its rows."""
    if not settings.effective_database_url.startswith("postgresql"):
        return ["no partitions: the embedded default (SQLite) is not partitioned"], []
    engine = engine_for(as_owner(settings) if create else settings, pool_size=1)
    try:
        created = await ensure_partitions(engine, settings.partition_months_ahead) if create else []
        partitions = await list_partitions(engine, exact=exact)
    finally:
        await engine.dispose()
    if not partitions:
        return ["no partitions: the schema is not partitioned (migrate to 0020_month_partitions)"], []
    lines = [f"created {name}" for name in created]
    lines.append(f"{'table':<16} {'partition':<24} {'month':<8} {'rows':>12}")
    for p in partitions:
        rows = f"~{p.rows}" if p.estimated else str(p.rows)
        lines.append(f"{p.table:<16} {p.name:<24} {p.month:<8} {rows:>12}")
    warnings = [
        f"{p.name} holds {p.rows} rows: no month partition took them; `rectify partitions` moves them "
        f"into new month partitions / 默认分区有数据，请运行 rectify partitions"
        for p in partitions
        if p.month == "DEFAULT" and p.rows
    ]
    return lines, warnings
