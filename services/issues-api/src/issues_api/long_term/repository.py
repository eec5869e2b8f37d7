from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, Select, bindparam, func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db_fast import fetch
from rectify_shared.models import AttachmentLink, IssueAttestation, IssueRelapse, Org, ProgressReport
from rectify_shared.timezone import CHINA_TZ

#: built once: an issue's detail runs it (the fast read path too, which has `fetch` only)
_LAST_REPORT = select(func.max(col(ProgressReport.reported_at)).label("at")).where(
    col(ProgressReport.issue_id) == bindparam("issue_id"), col(ProgressReport.withdrawn_at).is_(None)
)


async def last_report_day(session: AsyncSession, issue_id: int) -> date | None:
    """The China date of the latest live progress report on the issue (an attestation is one):
    the ladder counts any report in a period as that period's attestation."""
    at = (await fetch(session, _LAST_REPORT, {"issue_id": issue_id}))[0].at
    return at.astimezone(CHINA_TZ).date() if at is not None else None


async def attestations_page(
    session: AsyncSession, issue_id: int, before_id: int | None, limit: int
) -> Sequence[Row[IssueAttestation, str]]:
    stmt: Select[IssueAttestation, str] = (
        select(IssueAttestation, col(Org.name).label("org_name"))
        .join(Org, col(Org.id) == col(IssueAttestation.attesting_org_id))
        .where(col(IssueAttestation.issue_id) == issue_id)
    )
    if before_id is not None:
        stmt = stmt.where(col(IssueAttestation.id) < before_id)
    return (await session.execute(stmt.order_by(col(IssueAttestation.id).desc()).limit(limit + 1))).all()


async def evidence_of(session: AsyncSession, report_ids: list[int]) -> dict[int, list[int]]:
    if not report_ids:
        return {}
    stmt = (
        select(col(AttachmentLink.target_id), col(AttachmentLink.attachment_id))
        .where(col(AttachmentLink.target_kind) == "progress_report", col(AttachmentLink.target_id).in_(report_ids))
        .order_by(col(AttachmentLink.attachment_id))
    )
    out: dict[int, list[int]] = {}
    for target, aid in (await session.execute(stmt)).all():
        out.setdefault(int(target), []).append(int(aid))
    return out


async def relapses_of(session: AsyncSession, issue_id: int) -> Sequence[IssueRelapse]:
    stmt = select(IssueRelapse).where(col(IssueRelapse.issue_id) == issue_id).order_by(col(IssueRelapse.id))
    return (await session.execute(stmt)).scalars().all()
