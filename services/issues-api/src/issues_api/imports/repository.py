"""What an import reads of the round: its live ledger (to compare the file with) and the office's
earlier unit mappings."""

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import ImportJob, Issue, IssueOrg, Measure, ProgressReport

from .plan import Existing


async def existing(session: AsyncSession, round_id: int) -> dict[int, Existing]:
    """The round's live problems by number, each with its orgs, live measures and progress lines."""
    issues = (
        (await session.execute(select(Issue).where(col(Issue.round_id) == round_id, col(Issue.withdrawn_at).is_(None))))
        .scalars()
        .all()
    )
    if not issues:
        return {}
    ids = [i.id for i in issues]
    responsible: dict[int, list[int]] = defaultdict(list)
    links = select(col(IssueOrg.issue_id), col(IssueOrg.org_id)).where(
        col(IssueOrg.issue_id).in_(ids), col(IssueOrg.role) == "responsible"
    )
    for issue_id, org_id in (await session.execute(links)).all():
        responsible[issue_id].append(org_id)
    measures: dict[int, list[Measure]] = defaultdict(list)
    live = (
        select(Measure)
        .where(col(Measure.issue_id).in_(ids), col(Measure.withdrawn_at).is_(None))
        .order_by(col(Measure.issue_id), col(Measure.position))
    )
    for m in (await session.execute(live)).scalars().all():
        measures[m.issue_id].append(m)
    progress: dict[int, set[tuple[int | None, date | None, str]]] = defaultdict(set)
    lines = select(col(ProgressReport.issue_id), col(ProgressReport.occurred_on), col(ProgressReport.text)).where(
        col(ProgressReport.issue_id).in_(ids), col(ProgressReport.withdrawn_at).is_(None)
    )
    for issue_id, day, text in (await session.execute(lines)).all():
        progress[issue_id].add((None, day, text))
    out: dict[int, Existing] = {}
    for issue in issues:
        assert issue.id is not None
        out[issue.seq] = Existing(
            issue,
            issue.lead_org_id,
            responsible[issue.id],
            measures[issue.id],
            progress[issue.id],
        )
    return out


async def remembered_mapping(session: AsyncSession, round_id: int) -> dict[str, int]:
    """The office's earlier choices for units it mapped in this round (applied jobs, oldest first):
    the same file imported again needs no mapping and matches as before."""
    stmt = select(col(ImportJob.preview)).where(col(ImportJob.round_id) == round_id, col(ImportJob.state) == "applied")
    out: dict[str, int] = {}
    for (preview,) in (await session.execute(stmt.order_by(col(ImportJob.id)))).all():
        out.update((preview or {}).get("org_mapping") or {})
    return out
