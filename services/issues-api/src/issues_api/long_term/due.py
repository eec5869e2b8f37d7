"""When a long-term task must next be re-attested (read side; no writes)."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.attestation import next_attestation_due
from rectify_shared.closure_workflow import DEFAULT_CLOSURE_POLICY
from rectify_shared.enums import IssueStatus
from rectify_shared.models import Issue
from rectify_shared.timezone import today

from . import repository


def attesting(issue: Issue) -> bool:
    """Under re-attestation: long-term, accepted and not reopened — what the ladder watches."""
    return issue.long_term and issue.status == IssueStatus.completed_long_term and issue.withdrawn_at is None


def cycle_of(issue: Issue) -> str:
    return issue.attestation_cycle or DEFAULT_CLOSURE_POLICY.attestation_cycle


async def due_of(session: AsyncSession, issue: Issue) -> tuple[str | None, date | None]:
    """(cycle, next due date) of a task under re-attestation; (cycle, None) otherwise."""
    if not attesting(issue) or issue.attestation_cycle is None:
        return issue.attestation_cycle, None
    assert issue.id is not None
    last = await repository.last_report_day(session, issue.id)
    return issue.attestation_cycle, next_attestation_due(issue.attestation_cycle, last, today())
