"""`GET /me/todo`: what the caller's org must do now, in one call for a screen."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from rectify_shared.closure_workflow import reviewer_id
from rectify_shared.enums import ClosureState, MeasureStatus
from rectify_shared.escalation_policy import LEVEL_TEXT, Level
from rectify_shared.models import Escalation
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..auth.deps import LedgerReader
from ..auth.principal import Role
from ..calendar.repository import load_calendar
from ..core.dates import AsOf
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..issues import measure_list
from ..issues.overdue import DeadlineMarks, warning_days
from ..orgs import repository as orgs
from ..orgs.schemas import OrgRef
from . import repository
from .schemas import (
    ClosureSteps,
    ClosureStepTodo,
    Letters,
    LetterTodo,
    MeasuresDue,
    OwedReport,
    OwedReports,
    Todo,
)

router = APIRouter(prefix="/api/v1", tags=["todo"])

_REVIEW = (ClosureState.applied.value, ClosureState.under_review.value)


def _letter(e: Escalation, day: Any) -> LetterTodo:
    assert e.id is not None
    return LetterTodo(
        id=e.id,
        level=Level(e.level),
        level_text=LEVEL_TEXT[Level(e.level)],
        state=e.state,
        round_id=e.round_id,
        issue_id=e.issue_id,
        measure_id=e.measure_id,
        closure_id=e.closure_id,
        dispatch_round_id=e.dispatch_round_id,
        petition_case_id=e.petition_case_id,
        addressed_org_id=e.addressed_org_id,
        reason=e.reason,
        issued_on=e.issued_on,
        response_due=e.response_due,
        overdue=e.response_due is not None and e.response_due < day,
    )


@router.get("/me/todo", response_model=Todo, responses=errors(404, 422))
async def get_todo(
    session: SessionDep,
    principal: LedgerReader,
    org_id: Annotated[
        int | None, Query(description="Office only: the to-do of this org in its subtree; default: your own org")
    ] = None,
    round_id: Annotated[
        int | None, Query(description="Measures of this inspection round only, warned on its policy's window")
    ] = None,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=50, description="Items per section, 1–50 (counts cover all)")] = 10,
) -> Todo:
    """待办: for your org (or, for the office, an org in its subtree) — dispatch reports owed (with
    their cutoff), letters awaiting its response, closure steps waiting on it (review, acceptance),
    its open measures overdue or due within the warning window; the office also sees the letters
    the scan proposed. Each section: `count` over all, and the first `limit` items."""
    if org_id is None or org_id == principal.org_id:
        org = await orgs.get(session, principal.org_id)
    elif principal.role == Role.office_admin:
        org = await orgs.get_visible(session, principal, org_id)
    else:
        org = None  # a unit reads its own to-do only
    if org is None:
        raise not_found("单位", "Org")
    assert org.id is not None
    day = as_of or today()
    now = utcnow()

    owed_rows = await repository.owed(session, org.id, now, limit)
    letter_rows = await repository.letters_awaiting_answer(session, org.id, limit)

    steps: list[ClosureStepTodo] = []
    for c, lead_org_id in await repository.pending_closures(session, org.id, org.path):
        assert c.id is not None
        if c.state in _REVIEW:
            holder, action, level = reviewer_id(c.applicant_org_id, lead_org_id, c.levels), "review", None
        elif c.accepted_levels < len(c.levels):
            holder, action = int(c.levels[c.accepted_levels]["org_id"]), "accept"
            level = c.accepted_levels + 1
        else:
            continue
        if holder == org.id:
            steps.append(
                ClosureStepTodo(
                    closure_id=c.id,
                    issue_id=c.issue_id,
                    petition_case_id=c.petition_case_id,
                    state=c.state,
                    action=action,
                    level=level,
                    applicant_org_id=c.applicant_org_id,
                    applied_at=c.applied_at,
                    step_due=c.step_due,
                    overdue=c.step_due is not None and c.step_due < day,
                )
            )

    window = await warning_days(session, round_id)
    marks = DeadlineMarks(await load_calendar(session), day)
    f = measure_list.MeasureFilter(
        round_id=round_id,
        statuses=[MeasureStatus.not_started, MeasureStatus.in_progress],
        responsible=(org.path, True),
        due_before=marks.warning_horizon(window) + timedelta(days=1),
    )
    measure_rows, measure_count = await measure_list.page_with_count(session, f, principal.scope, limit)

    proposed: Sequence[Any] = []
    if principal.role == Role.office_admin and org.id == principal.org_id:
        proposed = await repository.letters_to_issue(session, principal.subtree, limit)

    return Todo(
        org=OrgRef(id=org.id, name=org.name),
        as_of=day,
        warning_days=window,
        reports_owed=OwedReports(
            count=int(owed_rows[0].total) if owed_rows else 0,
            items=[
                OwedReport(
                    dispatch_round_id=r.id,
                    round_id=r.round_id,
                    frequency=r.frequency,
                    period=r.period,
                    cutoff=r.cutoff,
                    late=r.cutoff < now,
                )
                for r in owed_rows
            ],
        ),
        letters=Letters(
            count=int(letter_rows[0].total) if letter_rows else 0,
            items=[_letter(r[0], day) for r in letter_rows],
        ),
        closures=ClosureSteps(count=len(steps), items=steps[:limit]),
        measures=MeasuresDue(count=measure_count, items=measure_list.items(measure_rows, marks)),
        letters_to_issue=Letters(
            count=int(proposed[0].total) if proposed else 0, items=[_letter(r[0], day) for r in proposed]
        ),
    )
