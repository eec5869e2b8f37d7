from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from ..auth.deps import LedgerReader, require
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.errors import errors, invalid
from . import repository, service
from .schemas import FIRST_DAY, FIRST_YEAR, LAST_DAY, LAST_YEAR, DayList, DayRead, WorkdaysRead, YearPut, YearRead

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])

#: the longest range GET /days answers in one response (a year, leap or not)
MAX_DAYS = 366

CalendarWriter = Annotated[Principal, Depends(require("calendar.write"))]
InRange = Query(ge=FIRST_DAY, le=LAST_DAY)


@router.get("/workdays", response_model=WorkdaysRead, responses=errors(422))
async def workdays(
    session: SessionDep,
    principal: LedgerReader,
    start: Annotated[date, InRange],
    count: Annotated[int, Query(ge=1, le=366, description="How many working days, start included")],
) -> WorkdaysRead:
    """The `count`-th working day from `start`, counting `start` when it is a working day (a
    公示 "为期10个工作日" from a working day ends on the 10th). `provisional` is true when a year
    on the way has no official holiday data yet and only weekends were skipped."""
    counted = (await repository.load_calendar(session)).nth_workday(start, count)
    return WorkdaysRead(start=start, end=counted.day, count=count, provisional=counted.provisional)


@router.get("/days", response_model=DayList, responses=errors(422))
async def days(
    session: SessionDep,
    principal: LedgerReader,
    from_: Annotated[date, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY)],
    to: Annotated[date, Query(ge=FIRST_DAY, le=LAST_DAY, description=f"Not before `from`, at most {MAX_DAYS} days on")],
) -> DayList:
    """Every day in [from, to] with its kind (workday, weekend, holiday, makeup_workday) and the
    holiday's name. Not paginated: a range is at most 366 days, so one response holds it."""
    if to < from_:
        raise invalid("query.to", "before from", "结束日期早于开始日期", "`to` is before `from`")
    if (to - from_).days + 1 > MAX_DAYS:
        raise invalid(
            "query.to", f"at most {MAX_DAYS} days", f"日期范围最多{MAX_DAYS}天", f"At most {MAX_DAYS} days per request"
        )
    calendar = await repository.load_calendar(session)
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
