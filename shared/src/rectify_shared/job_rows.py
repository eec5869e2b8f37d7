"""One way to keep a job row: claim it, finish it, find what is owed (issue 28, item 4).

A job row (`report_job`, `scan_request`) is the record of work owed; a queue message only says
"look at it". A message may arrive twice, late, or never:

* twice: the claim is one conditional UPDATE, so one run wins and the others return;
* after its worker died: a run older than `stale_after` may be claimed again;
* never: the sweeper finds queued rows that waited longer than `queued_grace`, and stale runs.

Every claim bumps `attempts`, which fences the finishing write: a run that was given up on and
re-claimed cannot overwrite its successor's result (`finish` answers False). A row whose runs kept
dying (`max_attempts` stale claims: a job that crashes its worker) is failed, not retried forever.

The table needs the columns `id`, `state`, `attempts`, `requested_at`, `started_at`,
`finished_at` and `error`; states are `queued`, `running`, `done`, `failed`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(frozen=True)
class Claim:
    """A run's hold on its row: the attempt that fences its finishing write, and the columns asked for."""

    id: int
    attempts: int
    #: (attempts, *columns) as the claim returned them; None for a claim rebuilt from a run's own record
    row: Any = None


@dataclass(frozen=True)
class JobRows:
    table: Table
    #: a run this old is presumed dead (its worker crashed); longer than arq's job timeout
    stale_after: timedelta
    #: a queued row this old was probably lost by Redis
    queued_grace: timedelta = timedelta(seconds=60)
    #: stale claims after which the row is failed instead of claimed again
    max_attempts: int = 5

    def stale_run(self, now: datetime) -> ColumnElement[bool]:
        """Running, but for so long that its worker must have died."""
        c = self.table.c
        return and_(c.state == RUNNING, or_(c.started_at.is_(None), c.started_at < now - self.stale_after))

    def claimable(self, now: datetime) -> ColumnElement[bool]:
        c = self.table.c
        return or_(c.state == QUEUED, and_(self.stale_run(now), c.attempts < self.max_attempts))

    def owed(self, now: datetime) -> ColumnElement[bool]:
        """Queued too long (its message was lost) or running too long (its worker died)."""
        c = self.table.c
        return or_(and_(c.state == QUEUED, c.requested_at < now - self.queued_grace), self.stale_run(now))

    def still_ours(self, claim: Claim) -> list[ColumnElement[bool]]:
        c = self.table.c
        return [c.id == claim.id, c.state == RUNNING, c.attempts == claim.attempts]

    async def claim(self, session: AsyncSession, job_id: int, now: datetime, *columns: str) -> Claim | None:
        """Take the row if nobody else holds it (the caller commits); None if it is finished, being
        run, or unknown. `columns`: what the run needs of the row."""
        c = self.table.c
        result = await session.execute(
            update(self.table)
            .where(c.id == job_id, self.claimable(now))
            .values(state=RUNNING, started_at=now, attempts=c.attempts + 1)
            .returning(c.attempts, *(c[name] for name in columns))
        )
        row = result.one_or_none()
        return None if row is None else Claim(job_id, row[0], row)

    async def finish(self, session: AsyncSession, claim: Claim, now: datetime, state: str, **values: Any) -> bool:
        """Record the run's outcome (`done` or `failed`, with its columns), fenced by the claim's
        attempt; False if the run was superseded (the caller rolls back what it wrote with it)."""
        result = await session.execute(
            update(self.table).where(*self.still_ours(claim)).values(state=state, finished_at=now, **values)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def give_up(self, session: AsyncSession, now: datetime) -> int:
        """Fail the stale runs that used up their attempts; how many (the caller commits)."""
        c = self.table.c
        result = await session.execute(
            update(self.table)
            .where(self.stale_run(now), c.attempts >= self.max_attempts)
            .values(state=FAILED, finished_at=now, error=f"gave up after {self.max_attempts} attempts")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def owed_rows(self, session: AsyncSession, now: datetime, limit: int) -> list[tuple[int, int]]:
        """(id, attempts) of the rows to enqueue again, oldest first."""
        c = self.table.c
        stmt = select(c.id, c.attempts).where(self.owed(now)).order_by(c.id).limit(limit)
        return [(int(job_id), int(attempts)) for job_id, attempts in (await session.execute(stmt)).all()]
