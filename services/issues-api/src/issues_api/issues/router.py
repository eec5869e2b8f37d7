from typing import Annotated

from fastapi import APIRouter, Query, Response

from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.timezone import today

from ..auth.deps import LedgerReader, LedgerWriter, TaskStatusWriter
from ..calendar.schemas import FIRST_DAY, LAST_DAY
from ..core.dates import AsOf
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.instants import IsoDate
from ..core.pagination import Cursor, Limit, Page, WithTotal, decode_cursor, page_of
from ..orgs import repository as orgs
from . import measure_list, measures, repository, service, views
from .overdue import DeadlineMarks
from .schemas import (
    IssueCreate,
    IssuePatch,
    IssueRead,
    IssueSort,
    IssueSummary,
    MeasureCreate,
    MeasureListItem,
    MeasurePatch,
    MeasureRead,
    WithdrawRequest,
)

router = APIRouter(prefix="/api/v1", tags=["issues"])


@router.get("/issues", response_model=Page[IssueSummary], responses=errors(404, 422))
async def list_issues(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    status: Annotated[list[IssueStatus] | None, Query(description="Repeat for several")] = None,
    category: Annotated[str | None, Query(description="The 方面 heading, exactly")] = None,
    org_id: Annotated[
        int | None, Query(description="Lead or responsible org, this org or any of its descendants")
    ] = None,
    deadline_before: Annotated[IsoDate | None, Query(description="Deadline strictly before this date")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Substring of the text")] = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="true: not started or in progress and due before the as-of day (逾期); false: the others "
            "(undated ones included)"
        ),
    ] = None,
    as_of: AsOf = None,
    sort: IssueSort = "seq",
    limit: Limit = 50,
    cursor: Cursor = None,
    with_total: WithTotal = False,
) -> Page[IssueSummary]:
    """The ledger's problems (反馈问题/整改任务), filtered and keyset-paginated, each with its working
    days overdue as of the request's day (China time) or `as_of`, on the office's work calendar."""
    day = as_of or today()
    org_path = None
    if org_id is not None:
        org = await orgs.get_visible(session, principal, org_id)
        if org is None:
            raise not_found("单位", "Org")
        org_path = org.path
    f = repository.IssueFilter(
        round_id=round_id,
        statuses=status,
        category=category,
        org_path=org_path,
        deadline_before=deadline_before,
        q=q,
        overdue=overdue,
        as_of=day,
    )
    after = decode_cursor(cursor, sort) if cursor else None
    rows = await repository.list_page(session, f, principal.scope, sort, after, limit)
    items, nxt = page_of(rows, limit, sort, lambda r: (repository.cursor_value(sort, r), r.id))
    judged = await views.page_schedules(session, items)  # 滞后 by the one definition, on the fast path too
    late = await views.days_overdue(session, items, day)
    total = await repository.count(session, f, principal.scope) if with_total else None
    # the page's JSON written from the rows, as the model's serializer writes it (`views.page_json`; the
    # route still declares its model: the document, the fast path); a value it would refuse: the models
    content = views.page_json(items, judged, late, nxt, total)
    if content is not None:
        return Response(content=content, media_type="application/json")  # type: ignore[return-value]
    summaries = views.summaries_of(items, [repository.links_of(r) for r in items], judged, late)
    return Page[IssueSummary](items=summaries, next_cursor=nxt, total=total)


@router.get("/issues/{issue_id}", response_model=IssueRead, responses=errors(404))
async def get_issue(issue_id: int, session: SessionDep, principal: LedgerReader, as_of: AsOf = None) -> IssueRead:
    """One problem with its measures in order (（一）（二）…, unnumbered paragraphs in place), and its
    working days overdue as of the request's day (China time) or `as_of`."""
    row = await repository.get_row(session, issue_id, principal.scope)
    if row is None:
        raise not_found("问题", "Issue")
    return await views.read_issue(session, row, as_of)


@router.post("/issues", status_code=201, response_model=IssueRead, responses=errors(409, 415, 422))
async def create_issue(
    data: IssueCreate, session: SessionDep, principal: LedgerWriter, response: Response
) -> IssueRead:
    issue = await service.create_issue(session, data, principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/issues/{issue.id}"
    return await views.read_issue(session, issue)


@router.patch("/issues/{issue_id}", response_model=IssueRead, responses=errors(404, 409, 415, 422))
async def patch_issue(issue_id: int, data: IssuePatch, session: SessionDep, principal: TaskStatusWriter) -> IssueRead:
    """Change fields of a problem. Status follows the transition table:
    not_started → in_progress → completed | completed_long_term; completed* → in_progress (reason
    required). `closed` (已销号) only through the write-off workflow: a PATCH to it is a 409.
    The office may override the table with a `reason`; the lead unit may only set its problem to
    in_progress (other fields: 403)."""
    issue = await service.patch_issue(session, issue_id, data, principal)
    await session.commit()
    return await views.read_issue(session, issue)


@router.post("/issues/{issue_id}/withdraw", response_model=IssueRead, responses=errors(404, 409, 422))
async def withdraw_issue(
    issue_id: int, data: WithdrawRequest, session: SessionDep, principal: LedgerWriter
) -> IssueRead:
    """Withdraw a mistaken entry (soft delete with a reason; it is kept, not destroyed)."""
    issue = await service.withdraw_issue(session, issue_id, data.reason, principal)
    await session.commit()
    return await views.read_issue(session, issue)


@router.post(
    "/issues/{issue_id}/measures", status_code=201, response_model=MeasureRead, responses=errors(404, 409, 415, 422)
)
async def create_measure(
    issue_id: int, data: MeasureCreate, session: SessionDep, principal: LedgerWriter, response: Response
) -> MeasureRead:
    measure = await measures.create_measure(session, issue_id, data, principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/measures/{measure.id}"
    return await views.read_measure(session, measure)


@router.get("/measures", response_model=Page[MeasureListItem], responses=errors(404, 422))
async def list_measures(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    issue_id: int | None = None,
    status: Annotated[list[MeasureStatus] | None, Query(description="Repeat for several")] = None,
    category: Annotated[str | None, Query(description="The problem's 方面 heading, exactly")] = None,
    org_id: Annotated[
        int | None, Query(description="The problem's lead or responsible org, this org or any of its descendants")
    ] = None,
    responsible_org_id: Annotated[
        int | None, Query(description="The measure's responsible org, this org or any of its descendants")
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(description="true: not completed or waived and due before the as-of day (逾期); false: the others"),
    ] = None,
    due_before: Annotated[
        IsoDate | None,
        Query(ge=FIRST_DAY, le=LAST_DAY, description="Due (own deadline, else the problem's) strictly before this day"),
    ] = None,
    as_of: AsOf = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    with_total: WithTotal = False,
) -> Page[MeasureListItem]:
    """整改措施 across problems, due first (undated last), with working days overdue as of the
    request's day (China time) or `as_of`, counted on the office's work calendar."""
    org_path = None
    if org_id is not None:
        org = await orgs.get_visible(session, principal, org_id)
        if org is None:
            raise not_found("单位", "Org")
        org_path = org.path
    responsible = None
    if responsible_org_id is not None:
        org = await orgs.get_visible(session, principal, responsible_org_id)
        if org is None:
            raise not_found("单位", "Org")
        responsible = (org.path, False)
    day = as_of or today()
    f = measure_list.MeasureFilter(
        round_id=round_id,
        issue_id=issue_id,
        statuses=status,
        category=category,
        org_path=org_path,
        responsible=responsible,
        due_before=due_before,
        overdue=overdue,
        as_of=day,
    )
    after = measure_list.parse_after(cursor)
    rows = await measure_list.page(session, f, principal.scope, after, limit)
    items, nxt = page_of(rows, limit, "due", measure_list.cursor_key)
    marks = DeadlineMarks(await measure_list.calendar_of(session, rows), day)
    total = await measure_list.count(session, f, principal.scope) if with_total else None
    # the answer's JSON made here (the route still declares its model: the document, the fast path)
    content = measure_list.page_json(items, marks, nxt, total)
    return Response(content=content, media_type="application/json")  # type: ignore[return-value]


@router.get("/measures/{measure_id}", response_model=MeasureRead, responses=errors(404, 422))
async def get_measure(measure_id: int, session: SessionDep, principal: LedgerReader, as_of: AsOf = None) -> MeasureRead:
    """一条整改措施, with its working days overdue as of the request's day (China time) or `as_of`,
    counted as the measure list counts them."""
    measure = await repository.get_measure(session, measure_id, principal.scope)
    if measure is None:
        raise not_found("整改措施", "Measure")
    return await views.read_measure(session, measure, as_of)


@router.patch("/measures/{measure_id}", response_model=MeasureRead, responses=errors(404, 409, 415, 422))
async def patch_measure(
    measure_id: int, data: MeasurePatch, session: SessionDep, principal: TaskStatusWriter
) -> MeasureRead:
    """The responsible unit moves its measure's status (not_started → in_progress → completed, and
    back to in_progress); the office changes anything, an override (`waived` too) with a `reason`."""
    measure = await measures.patch_measure(session, measure_id, data, principal)
    await session.commit()
    return await views.read_measure(session, measure)


@router.post("/measures/{measure_id}/withdraw", response_model=MeasureRead, responses=errors(404, 409, 422))
async def withdraw_measure(
    measure_id: int, data: WithdrawRequest, session: SessionDep, principal: LedgerWriter
) -> MeasureRead:
    measure = await measures.withdraw_measure(session, measure_id, data.reason, principal)
    await session.commit()
    return await views.read_measure(session, measure)
