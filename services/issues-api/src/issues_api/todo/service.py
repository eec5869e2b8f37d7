"""The caller's org's to-do: each section read in one query round-trip, then put in the shape a
screen shows (counts over all, the first `limit` items)."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.closure_workflow import reviewer_id
from rectify_shared.enums import ClosureState, MeasureStatus
from rectify_shared.escalation_policy import LEVEL_TEXT, Level
from rectify_shared.models import Escalation, Org
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..auth.principal import Principal, Role
from ..calendar.repository import load_calendar
from ..core.errors import not_found
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


async def todo(
    session: AsyncSession,
    principal: Principal,
    org_id: int | None,
    round_id: int | None,
    as_of: date | None,
    limit: int,
) -> Todo:
    org = await _org(session, principal, org_id)
    assert org.id is not None
    day = as_of or today()
    now = utcnow()

    owed_rows = await repository.owed(session, org.id, now, limit)
    letter_rows = await repository.letters_awaiting_answer(session, org.id, limit)
    steps = await _closure_steps(session, org, day)
    window, marks, measure_rows, measure_count = await _measures_due(session, principal, org, round_id, day, limit)

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


async def _org(session: AsyncSession, principal: Principal, org_id: int | None) -> Org:
    """The caller's org, or (office only) an org in its subtree; 404 otherwise."""
    if org_id is None or org_id == principal.org_id:
        org = await orgs.get(session, principal.org_id)
    elif principal.role == Role.office_admin:
        org = await orgs.get_visible(session, principal, org_id)
    else:
        org = None  # a unit reads its own to-do only
    if org is None:
        raise not_found("单位", "Org")
    return org


async def _closure_steps(session: AsyncSession, org: Org, day: date) -> list[ClosureStepTodo]:
    """Closure steps (review, acceptance) waiting on `org`."""
    assert org.id is not None
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

    return steps


async def _measures_due(
    session: AsyncSession, principal: Principal, org: Org, round_id: int | None, day: date, limit: int
) -> tuple[int, DeadlineMarks, Sequence[Any], int]:
    """Its open measures overdue or due within the warning window: (window, marks, first rows, count)."""
    window = await warning_days(session, round_id)
    marks = DeadlineMarks(await load_calendar(session), day)
    f = measure_list.MeasureFilter(
        round_id=round_id,
        statuses=[MeasureStatus.not_started, MeasureStatus.in_progress],
        responsible=(org.path, True),
        due_before=marks.warning_horizon(window) + timedelta(days=1),
    )
    measure_rows, measure_count = await measure_list.page_with_count(session, f, principal.scope, limit)

    return window, marks, measure_rows, measure_count
