from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from ..auth.deps import LedgerReader, require
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.errors import errors, invalid
from ..core.instants import IsoDate
from . import repository, service
from .schemas import (
    FIRST_DAY,
    FIRST_YEAR,
    LAST_DAY,
    LAST_YEAR,
    DayList,
    DayRead,
    OverridesPut,
    OverridesRead,
    WorkdaysRead,
    YearPut,
    YearRead,
)

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])

#: the longest range GET /days answers in one response (a year, leap or not)
MAX_DAYS = 366

CalendarWriter = Annotated[Principal, Depends(require("calendar.write"))]
InRange = Query(ge=FIRST_DAY, le=LAST_DAY)
OrgParam = Annotated[
    int | None,
    Query(ge=1, description="Whose calendar (an org in the caller's subtree); the caller's own org by default"),
]


@router.get("/workdays", response_model=WorkdaysRead, responses=errors(404, 422))
async def workdays(
    session: SessionDep,
    principal: LedgerReader,
    start: Annotated[IsoDate, InRange],
    count: Annotated[int, Query(ge=1, le=366, description="How many working days, start included")],
    org_id: OrgParam = None,
) -> WorkdaysRead:
    """The `count`-th working day from `start`, counting `start` when it is a working day (a
    公示 "为期10个工作日" from a working day ends on the 10th), on the calendar of `org_id` (the
    caller's own org by default): the root's calendar with the overrides of the org and the orgs
    above it. `provisional` is true when a year on the way has no official holiday data yet and
    only weekends were skipped."""
    org = await service.org_for_reading(session, principal, org_id)
    counted = (await repository.load_calendar(session, org.path)).nth_workday(start, count)
    return WorkdaysRead(start=start, end=counted.day, count=count, provisional=counted.provisional)


@router.get("/days", response_model=DayList, responses=errors(404, 422))
async def days(
    session: SessionDep,
    principal: LedgerReader,
    from_: Annotated[IsoDate, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY)],
    to: Annotated[
        IsoDate, Query(ge=FIRST_DAY, le=LAST_DAY, description=f"Not before `from`, at most {MAX_DAYS} days on")
    ],
    org_id: OrgParam = None,
) -> DayList:
    """Every day in [from, to] with its kind (workday, weekend, holiday, makeup_workday) and the
    holiday's name, on the calendar of `org_id` (the caller's own org by default; overrides of the
    org and the orgs above it included). Not paginated: a range is at most 366 days, so one
    response holds it."""
    if to < from_:
        raise invalid("query.to", "before from", "结束日期早于开始日期", "`to` is before `from`")
    if (to - from_).days + 1 > MAX_DAYS:
        raise invalid(
            "query.to", f"at most {MAX_DAYS} days", f"日期范围最多{MAX_DAYS}天", f"At most {MAX_DAYS} days per request"
        )
    org = await service.org_for_reading(session, principal, org_id)
    calendar = await repository.load_calendar(session, org.path)
    items = [DayRead(date=d.day, kind=d.kind, name=d.name, provisional=d.provisional) for d in calendar.days(from_, to)]
    return DayList(items=items)


@router.put("/years/{year}", response_model=YearRead, responses=errors(415, 422))
async def put_year(
    year: Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)],
    data: YearPut,
    session: SessionDep,
    principal: CalendarWriter,
) -> YearRead:
    """Load a year's official arrangement (国务院办公厅关于节假日安排的通知): every holiday day of
    every break, and the weekend days that are working days (调休). It replaces the year wholly
    (the chinese-calendar package's data for that year too). Deadlines that were computed on a
    provisional (weekends-only) calendar are recomputed; `recomputed` says how many changed."""
    result = await service.replace_year(session, principal, year, data)
    await session.commit()
    return result


@router.get("/orgs/{org_id}/overrides", response_model=OverridesRead, responses=errors(404, 422))
async def get_overrides(
    org_id: Annotated[int, Path(ge=1)],
    session: SessionDep,
    principal: LedgerReader,
    year: Annotated[
        int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="One year; every year when absent")
    ] = None,
) -> OverridesRead:
    """The org's own days (a league's local holidays, days it works), which apply in its subtree
    over the root's calendar; the nearest org's override of a day wins. An org outside the
    caller's subtree answers 404."""
    return await service.read_overrides(session, principal, org_id, year)


@router.put("/orgs/{org_id}/overrides/{year}", response_model=OverridesRead, responses=errors(404, 415, 422))
async def put_overrides(
    org_id: Annotated[int, Path(ge=1)],
    year: Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)],
    data: OverridesPut,
    session: SessionDep,
    principal: CalendarWriter,
) -> OverridesRead:
    """Replace the org's own days in the year (an empty list removes them): an office keeps the
    calendar of its own subtree — a league's office its league's, never another's (404) nor the
    root's years (`PUT /calendar/years/{year}`). The working-day deadlines of the org's subtree
    are recounted on the new calendar; `recomputed` says how many changed."""
    result = await service.replace_overrides(session, principal, org_id, year, data)
    await session.commit()
    return result
