"""Visibility follows responsibility: the responsible org of a live measure reads its issue.

An issue is visible to a caller whose scope holds one of its `issue_org` rows (`repository.visible`,
the report-worker's scope filter, attachments, dispatch and PostgreSQL's row-level security all read
that table). Besides the lead and responsible orgs, every org answering for one of the issue's live
measures has a row of role `measure`; the ledger's writes keep these rows in step here.
"""

from sqlalchemy import delete, insert, literal, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import IssueOrg, Measure, Org

MEASURE_ROLE = "measure"
#: the roles the ledger shows as 牵头单位 / 责任单位 (a `measure` link only grants reading)
SHOWN_ROLES = ("lead", "responsible")

_TABLE = IssueOrg.__table__  # type: ignore[attr-defined]


async def sync_measure_links(session: AsyncSession, issue_id: int) -> None:
    """Rewrite the issue's `measure` links from its live measures' responsible orgs."""
    await session.flush()
    await session.execute(delete(_TABLE).where(_TABLE.c.issue_id == issue_id, _TABLE.c.role == MEASURE_ROLE))
    orgs = (
        select(col(Measure.issue_id), col(Org.id), literal(MEASURE_ROLE), col(Org.path))
        .join(Org, col(Org.id) == col(Measure.responsible_org_id))
        .where(col(Measure.issue_id) == issue_id, col(Measure.withdrawn_at).is_(None))
        .distinct()
    )
    await session.execute(insert(_TABLE).from_select(["issue_id", "org_id", "role", "org_path"], orgs))
