"""The ladder's item sources beyond the ledger's tasks and dispatch obligations: one protocol, one
registry. A source proposes the escalations its items owe on the scan's day and names the ones
whose cause went away; the scan gives it a `ScanWriter` that writes them (dedupe, zones, outbox
events and counts stay the scan's business).

To add a source (say, indicators behind their plan): write a class with `name`, `create` and
`resolve` as below, in its own module (`petition_source` is the set-based SQL kind, one
INSERT … SELECT per rule; `closure_source` the Python kind, proposals built from loaded rows),
and add one instance to `SOURCES`. Its escalations need a column naming the item (as
`petition_case_id` and `closure_id` do) and a dedupe key prefix of their own.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import CalendarZone
from rectify_shared.escalation_policy import Policy
from rectify_shared.workcalendar import WorkCalendar

from .model import Proposed


class ScanWriter(Protocol):
    """What a source sees of the running scan: its day, calendar zone and session, and the writes."""

    session: AsyncSession
    calendar: WorkCalendar
    zone: CalendarZone
    as_of: date
    now: datetime
    dialect: str
    scan_id: int | None

    async def create_rows(self, stmt: Any) -> None:
        """Run an INSERT … RETURNING of new escalations (skipping known dedupe keys)."""

    async def insert(self, proposals: list[Proposed]) -> None:
        """Insert proposals built in Python (only the current zone's, skipping known keys)."""

    async def resolve_rows(self, stmt: Any) -> None:
        """Run an UPDATE … RETURNING that resolves escalations."""

    async def resolve_ids(self, resolution: str, ids: Sequence[int]) -> None:
        """Resolve these escalations with this cause."""


class EscalationSource(Protocol):
    name: str

    async def create(self, scan: ScanWriter, policy: Policy, rounds: list[int]) -> None:
        """Write the escalations the policy's rules fire for this source's items on the scan's day."""

    async def resolve(self, scan: ScanWriter, policy: Policy, rounds: list[int]) -> None:
        """Resolve this source's escalations in force whose cause went away."""


def registry() -> tuple[EscalationSource, ...]:
    """Every source, in the order the scan runs them (imported here, so a source may use `sources`)."""
    from .closure_source import CLOSURES
    from .petition_source import PETITIONS

    return (PETITIONS, CLOSURES)
