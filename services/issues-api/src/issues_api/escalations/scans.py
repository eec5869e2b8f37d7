"""Scan requests made by hand: the office asks the notifier to run the deadline and dispatch scan
for a date, reads how it went, and withdraws all a scan created. The rows are the notifier's job
queue (`rectify_shared.models.ScanRequest`); here they are asked for, never run."""

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import InternalEventType, internal
from rectify_shared.models import ScanRequest
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..audit.writer import record_audit
from ..auth.principal import Principal
from ..core.errors import not_found
from ..outbox.writer import record_event
from .errors import SCAN_IN_FUTURE, SCAN_NOT_WITHDRAWABLE
from .schemas import ScanCreate, ScanRead, ScanWithdraw


def scan_read(s: ScanRequest) -> ScanRead:
    return ScanRead(
        id=s.id or 0,
        as_of=s.as_of,
        status=s.state,
        requested_by=s.requested_by,  # type: ignore[arg-type]
        requested_at=s.requested_at,
        finished_at=s.finished_at,
        created=s.created,
        resolved=s.resolved,
        error=s.error,
        dry_run=s.dry_run,
        report=s.report,
        withdraw_state=s.withdraw_state,  # type: ignore[arg-type]
        withdrawn_by=s.withdrawn_by,
        withdrawn_at=s.withdrawn_at,
        withdrawn_reason=s.withdrawn_reason,
        withdrawn_count=s.withdrawn_count,
    )


async def request(session: AsyncSession, principal: Principal, data: ScanCreate) -> ScanRequest:
    """Queue a scan (audited; `escalation.scan_requested` in the outbox wakes the notifier) and commit."""
    if data.as_of > today() and not data.dry_run:
        raise SCAN_IN_FUTURE.error(
            as_of_isoformat=data.as_of.isoformat(),
            details=[{"field": "body.as_of", "reason": f"after today ({today().isoformat()})"}],
        )
    scan = ScanRequest(as_of=data.as_of, requested_by=principal.name, dry_run=data.dry_run)
    session.add(scan)
    await session.flush()
    await record_audit(
        session,
        principal,
        "escalation.scan_requested",
        "scan_request",
        scan.id or 0,
        before=None,
        after={"as_of": data.as_of.isoformat(), "dry_run": data.dry_run},
        org_path=principal.org_path,
    )
    record_event(
        session,
        InternalEventType.scan_requested,
        "scan_request",
        scan.id or 0,
        internal.ScanRequested(scan_id=scan.id, as_of=data.as_of.isoformat()),
        org_path=principal.org_path,
    )
    await session.commit()
    return scan


async def get(session: AsyncSession, scan_id: int) -> ScanRequest:
    scan = await session.get(ScanRequest, scan_id)
    if scan is None:
        raise not_found("扫描任务", "Scan")
    return scan


async def withdraw(session: AsyncSession, principal: Principal, scan_id: int, data: ScanWithdraw) -> ScanRequest:
    scan = await session.get(ScanRequest, scan_id, with_for_update=True)
    if scan is None:
        raise not_found("扫描任务", "Scan")
    if scan.dry_run or scan.state != "done" or scan.withdraw_state is not None:
        why = "a dry run wrote nothing" if scan.dry_run else (
            "it is already withdrawn" if scan.withdraw_state else f"it is {scan.state}"
        )  # fmt: skip
        raise SCAN_NOT_WITHDRAWABLE.error(why=why)
    scan.withdraw_state, scan.withdrawn_by, scan.withdrawn_at = "requested", principal.name, utcnow()
    scan.withdrawn_reason = data.reason
    await record_audit(
        session,
        principal,
        "escalation.scan_withdrawn",
        "scan_request",
        scan_id,
        before={"created": scan.created},
        after={"reason": data.reason},
        org_path=principal.org_path,
    )
    record_event(
        session,
        InternalEventType.scan_withdraw_requested,
        "scan_request",
        scan_id,
        internal.ScanWithdrawRequested(scan_id=scan_id),
        org_path=principal.org_path,
    )
    await session.commit()
    return scan
