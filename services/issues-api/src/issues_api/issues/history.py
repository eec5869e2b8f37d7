"""`occurred_on`: the day a fact happened, which only the office may set (history from before Rectify).

Checked the same way wherever it is accepted (issue and measure creation, a status change, a
progress report, a closure step): office admins only, not after today (`clock.today()`), not
before the round's `stay_start`. The server's own times (`created_at`, `changed_at`, …) stay
as they are; the change's audit record carries the day.
"""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import clock

from ..auth.principal import Principal, Role
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import ApiError, invalid
from ..rounds import repository as rounds


def unit_may_not_date(field: str) -> ApiError:
    return invalid(
        field,
        "set by the server for a unit's own report",
        "单位报送的时间由系统记录，不能自行填写；补录历史须由整改办办理",
        "A unit's own report is dated by the server; only the office may record an earlier date",
    )


async def occurred_on_checked(
    session: AsyncSession, principal: Principal, round_id: int, day: date | None, field: str = "body.occurred_on"
) -> date:
    """The day a fact happened: `day` when the office gives one (validated), else today."""
    today = clock.today()
    if day is None:
        return today
    if principal.role != Role.office_admin:
        raise FORBIDDEN.error(
            message="只有整改办可以补录事项的发生日期",
            message_en="Only the office may record the day something happened",
            details=[{"field": field, "reason": "office_admin only"}],
        )
    if day > today:
        raise invalid(field, "in the future", "发生日期不能晚于今天", "occurred_on cannot be in the future")
    round_ = await rounds.get(session, round_id)
    if round_ is not None and round_.stay_start is not None and day < round_.stay_start:
        raise invalid(
            field,
            "before the round's stay_start",
            f"发生日期不能早于督察进驻日（{round_.stay_start.isoformat()}）",
            f"occurred_on cannot be before the round's stay_start ({round_.stay_start.isoformat()})",
        )
    return day
