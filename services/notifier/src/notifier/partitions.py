"""The daily partition upkeep (PostgreSQL): months ahead of the big tables exist before rows need them.

Where the process's login role does not own the partitioned tables (Kubernetes and systemd run the
app as a role that owns nothing), it cannot create partitions: the owner's job does (the
`rectify-partitions` CronJob, `rectify partitions`), and this one says so once a night instead of
failing with PostgreSQL's "permission denied" every night.
"""

from datetime import date

import structlog

from rectify_shared.job_context import JobContext, job
from rectify_shared.partitions import ensure_partitions, tables_not_owned

log = structlog.get_logger("notifier.partitions")


@job
async def maintain_partitions(ctx: JobContext, *, today: date | None = None) -> list[str]:
    engine = ctx["engine"]
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            not_owned = await tables_not_owned(conn)
        if not_owned:
            log.info(
                "partitions_left_to_owner",
                tables=not_owned,
                reason="this role does not own the partitioned tables: the owner's job creates the months "
                "(the rectify-partitions CronJob, or `rectify partitions` as the owner)",
            )
            return []
    created = await ensure_partitions(engine, ctx["settings"].partition_months_ahead, today=today)
    if created:
        log.info("partitions_created", partitions=created)
    return created
