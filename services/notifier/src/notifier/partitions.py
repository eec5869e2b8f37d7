"""The daily partition upkeep (PostgreSQL): months ahead of the big tables exist before rows need them."""

from datetime import date

import structlog

from rectify_shared.job_context import JobContext, job
from rectify_shared.partitions import ensure_partitions

log = structlog.get_logger("notifier.partitions")


@job
async def maintain_partitions(ctx: JobContext, *, today: date | None = None) -> list[str]:
    created = await ensure_partitions(ctx["engine"], ctx["settings"].partition_months_ahead, today=today)
    if created:
        log.info("partitions_created", partitions=created)
    return created
