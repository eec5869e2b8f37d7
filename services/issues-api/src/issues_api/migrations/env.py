import asyncio
from typing import Any

from alembic import context
from sqlalchemy import Connection, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

import rectify_shared.models  # noqa: F401  (registers every table)
from rectify_shared.models import metadata
from rectify_shared.partitions import is_partition_name

config = context.config

#: PostgreSQL advisory lock held while migrating: two `rectify migrate` (two releases' Jobs, a
#: retried Job) never run the DDL at once; the second waits, then finds the schema at head.
MIGRATION_LOCK_KEY = 727_302


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate leaves the monthly partitions (0020_month_partitions) alone: not in the models."""
    return not (type_ == "table" and name is not None and is_partition_name(name))


def _run(connection: Connection) -> None:
    progress = config.attributes.get("progress")  # `rectify migrate`'s progress line (ops/progress.py)
    on_version_apply: Any = None
    if progress is not None and progress.enabled:  # only on a terminal: nothing changes for containers and CI
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        current = MigrationContext.configure(connection).get_current_heads()
        if connection.in_transaction():  # that read began one: end it, or begin_transaction() would not commit
            connection.commit()
        script = ScriptDirectory.from_config(config)
        pending = list(script.iterate_revisions("heads", current[0] if len(current) == 1 else "base"))
        progress.update(0, len(pending))

        def on_version_apply(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:  # alembic passes keywords
            progress.advance(1, str(getattr(step, "up_revision_id", "") or ""))

    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        on_version_apply=on_version_apply,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        if engine.dialect.name != "postgresql":
            async with engine.connect() as connection:
                await connection.run_sync(_run)
            return
        # the lock lives on its own autocommit connection, for the whole run of migrations
        async with engine.connect() as lock_conn:
            lock_conn = await lock_conn.execution_options(isolation_level="AUTOCOMMIT")
            await lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            try:
                async with engine.connect() as connection:
                    await connection.run_sync(_run)
            finally:
                await lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
