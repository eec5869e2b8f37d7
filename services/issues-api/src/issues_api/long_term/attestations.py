"""定期复核: a long-term task (已完成整改，长期坚持) is re-attested every period of its cycle.

An attestation is filed as a progress report on the issue (so dispatch rounds and the ladder's
missed-attestation rule see it) plus a row naming the period, with the evidence linked to the report."""

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.attestation import next_attestation_due, period_label
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import IssueAttestation
from rectify_shared.timezone import today

from ..attachments.service import link
from ..auth.principal import Principal
from ..closures.policy import policy_for
from ..issues.service import live_issue
from ..outbox.change import record_change
from ..progress.schemas import ProgressCreate
from ..progress.service import report_on_issue
from .due import attesting
from .errors import NOT_LONG_TERM
from .schemas import AttestationCreate


async def attest(
    session: AsyncSession, issue_id: int, data: AttestationCreate, principal: Principal
) -> IssueAttestation:
    issue = await live_issue(session, issue_id, principal)
    assert issue.id is not None
    if not attesting(issue):
        raise NOT_LONG_TERM.error(
            issue_status=issue.status,
            details=[{"field": "status", "reason": f"{issue.status}, long_term={issue.long_term}"}],
        )
    if issue.attestation_cycle is None:  # accepted before cycles were kept: the round's default from now on
        issue.attestation_cycle = (await policy_for(session, issue.round_id)).attestation_cycle
    cycle = issue.attestation_cycle
    report = await report_on_issue(
        session, issue.id, ProgressCreate(text=data.statement, reporting_org_id=data.reporting_org_id), principal
    )
    await session.flush()
    if data.attachment_ids:
        await link(session, principal, data.attachment_ids, "progress_report", report.id, "body.attachment_ids")
    day = today()
    row = IssueAttestation(
        issue_id=issue.id,
        org_path=issue.org_path,
        progress_report_id=report.id,
        attesting_org_id=report.reporting_org.id,
        statement=data.statement,
        cycle=cycle,
        period=period_label(cycle, day),
        attested_by=principal.name,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    payload = {
        "id": row.id,
        "issue_id": issue.id,
        "round_id": issue.round_id,
        "cycle": cycle,
        "period": row.period,
        "progress_report_id": report.id,
        "attachment_ids": list(dict.fromkeys(data.attachment_ids)),
        "next_due": next_attestation_due(cycle, day, day).isoformat(),
    }
    await record_change(
        session,
        principal,
        EventType.issue_attested,
        "issue",
        issue.id,
        data=ev.IssueAttested(**payload),
        org_path=issue.org_path,
    )
    return row
