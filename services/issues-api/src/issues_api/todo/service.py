"""The caller's org's to-do: each section read in one query round trip, then put in the shape a
screen shows (counts over all, the first `limit` items)."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from rectify_shared.calendar_store import load_base_calendar
from rectify_shared.closure_workflow import reviewer_id
from rectify_shared.enums import ClosureState, MeasureStatus
from rectify_shared.escalation_policy import LEVEL_TEXT
from rectify_shared.models.types import utcnow
from rectify_shared.timezone import today

from ..auth.principal import Principal, Role
from ..core.errors import not_found
from ..issues import measure_list
from ..issues.overdue import DeadlineMarks, warning_days
from . import repository
from .repository import Reads
from .schemas import Todo

_REVIEW = (ClosureState.applied.value, ClosureState.under_review.value)
_LEVEL_TEXT = {level.value: text for level, text in LEVEL_TEXT.items()}
#: `repository.LETTER_COLUMNS` as `LetterTodo`'s fields (bar `level_text` and `overdue`)
_LETTER_NAMES = tuple(c.key for c in repository.LETTER_COLUMNS)
_DUE = _LETTER_NAMES.index("response_due")
_LEVEL = _LETTER_NAMES.index("level")
_OPEN_MEASURES = [MeasureStatus.not_started, MeasureStatus.in_progress]


def _letters(rows: Sequence[Any], day: date) -> dict[str, Any]:
    """A letters section (count over all, the first rows) as `Letters`'s fields."""
    items = []
    for row in rows:
        fields = dict(zip(_LETTER_NAMES, row, strict=False))  # the row's last column is the total
        due = row[_DUE]
        fields["level_text"] = _LEVEL_TEXT[row[_LEVEL]]
        fields["overdue"] = due is not None and due < day
        items.append(fields)
    return {"count": int(rows[0].total) if rows else 0, "items": items}


async def todo(
    reads: Reads,
    principal: Principal,
    org_id: int | None,
    round_id: int | None,
    as_of: date | None,
    limit: int,
) -> Todo:
    """Every statement goes through `db_fast.fetch`: `reads` is a session or a `ReadConnection`.
    The answer is validated once, as a whole (its parts are plain dicts)."""
    org = await _org(reads, principal, org_id)
    day = as_of or today()
    now = utcnow()

    owed_rows = await repository.owed(reads, org.id, now, limit)
    letter_rows = await repository.letters_awaiting_answer(reads, org.id, limit)
    steps = await _closure_steps(reads, org.id, org.path, day)
    window, measures = await _measures_due(reads, principal, org.path, round_id, day, limit)

    proposed: Sequence[Any] = []
    if principal.role == Role.office_admin and org.id == principal.org_id:
        proposed = await repository.letters_to_issue(reads, principal.subtree, limit)

    return Todo.model_validate(
        {
            "org": {"id": org.id, "name": org.name},
            "as_of": day,
            "warning_days": window,
            "reports_owed": {
                "count": int(owed_rows[0].total) if owed_rows else 0,
                "items": [
                    {
                        "dispatch_round_id": r[0],
                        "round_id": r[1],
                        "frequency": r[2],
                        "period": r[3],
                        "cutoff": r[4],
                        "late": r[4] < now,
                    }
                    for r in owed_rows
                ],
            },
            "letters": _letters(letter_rows, day),
            "closures": {"count": len(steps), "items": steps[:limit]},
            "measures": measures,
            "letters_to_issue": _letters(proposed, day),
        }
    )


async def _org(reads: Reads, principal: Principal, org_id: int | None) -> Any:
    """The caller's org, or (office only) an org it may see (`orgs.repository.visible`: its
    subtree and the chain above it); 404 otherwise. (id, name, path)."""
    if org_id is None or org_id == principal.org_id:
        org = await repository.org(reads, principal.org_id)
    elif principal.role == Role.office_admin:
        org = await repository.org(reads, org_id)
        if org is not None and not (principal.subtree.contains(org.path) or org.path in principal.subtree.ancestors()):
            org = None
    else:
        org = None  # a unit reads its own to-do only
    if org is None:
        raise not_found("单位", "Org")
    return org


async def _closure_steps(reads: Reads, org_id: int, org_path: str, day: date) -> list[dict[str, Any]]:
    """Closure steps (review, acceptance) waiting on the org, as `ClosureStepTodo`'s fields."""
    steps: list[dict[str, Any]] = []
    for c in await repository.pending_closures(reads, org_id, org_path):
        levels = c.levels
        if c.state in _REVIEW:
            holder, action, level = reviewer_id(c.applicant_org_id, c.lead_org_id, levels), "review", None
        elif c.accepted_levels < len(levels):
            holder, action = int(levels[c.accepted_levels]["org_id"]), "accept"
            level = c.accepted_levels + 1
        else:
            continue
        if holder == org_id:
            steps.append(
                {
                    "closure_id": c.id,
                    "issue_id": c.issue_id,
                    "petition_case_id": c.petition_case_id,
                    "state": c.state,
                    "action": action,
                    "level": level,
                    "applicant_org_id": c.applicant_org_id,
                    "applied_at": c.applied_at,
                    "step_due": c.step_due,
                    "overdue": c.step_due is not None and c.step_due < day,
                }
            )
    return steps


async def _measures_due(
    reads: Reads, principal: Principal, org_path: str, round_id: int | None, day: date, limit: int
) -> tuple[int, dict[str, Any]]:
    """(the warning window, `MeasuresDue`'s fields): the org's open measures overdue or due within
    the window, the first `limit` and how many in all."""
    window = await warning_days(reads, round_id)
    marks = DeadlineMarks(await load_base_calendar(reads), day)
    f = measure_list.MeasureFilter(
        round_id=round_id,
        statuses=_OPEN_MEASURES,
        responsible=(org_path, True),
        due_before=marks.warning_horizon(window) + timedelta(days=1),
    )
    rows, count = await measure_list.page_with_count(reads, f, principal.scope, limit)
    return window, {"count": count, "items": measure_list.item_fields(rows, marks)}
