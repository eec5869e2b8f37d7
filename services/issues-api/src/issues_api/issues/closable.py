"""When a problem may go to 销号: every live measure completed, or waived by the office.

The closure workflow (closures.service) asks here before an application and before the last
acceptance, so an accepted problem never sits over open measures.
"""

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import MEASURE_DONE, MEASURE_STATUS_TEXT, MeasureStatus
from rectify_shared.models import Issue, Measure

from .errors import MEASURES_OPEN


async def open_measures(session: AsyncSession, issue_id: int) -> Sequence[Measure]:
    """The issue's live measures still to be done (neither completed nor waived), in order."""
    stmt = (
        select(Measure)
        .where(
            col(Measure.issue_id) == issue_id,
            col(Measure.withdrawn_at).is_(None),
            col(Measure.status).not_in([s.value for s in MEASURE_DONE]),
        )
        .order_by(col(Measure.position))
    )
    return (await session.execute(stmt)).scalars().all()


def measure_label(m: Measure) -> str:
    number = f"措施{m.seq}" if m.seq is not None else f"第{m.position}段措施"
    return f"{number}（{MEASURE_STATUS_TEXT[MeasureStatus(m.status)]}）"


async def assert_closable(session: AsyncSession, issue: Issue) -> None:
    """409 naming the open measures, unless every live measure is completed or waived."""
    assert issue.id is not None
    still_open = await open_measures(session, issue.id)
    if still_open:
        raise MEASURES_OPEN.error(
            message="尚有整改措施未完成："
            + "、".join(measure_label(m) for m in still_open)
            + "；措施完成（或经整改办批准不再实施）后方可申请销号或验收",
            message_en=f"{len(still_open)} measure(s) are not completed (nor waived by the office): "
            + ", ".join(str(m.id) for m in still_open),
            details=[{"field": "measures", "reason": f"open: {m.id} ({m.status})"} for m in still_open],
        )
