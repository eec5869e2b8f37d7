"""The caller's org's to-do: its sections read in two statements on PostgreSQL (`repository.sections`,
then the measures), then put in the shape a screen shows (counts over all, the first `limit`
items) and written as JSON here, without a pydantic object (`answer_json`): validating the answer
and FastAPI's validating it again to serialize it were half a request's CPU (issue 22).
`test_todo_json.py` holds the bytes to the route's model's, byte for byte."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic_core import to_json
from starlette.responses import Response

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
from ..issues.schemas import MeasureListItem
from ..issues.views import written_rule
from . import repository
from .repository import Reads
from .schemas import LetterTodo

_REVIEW = (ClosureState.applied.value, ClosureState.under_review.value)
_LEVEL_TEXT = {level.value: text for level, text in LEVEL_TEXT.items()}
#: `repository.LETTER_COLUMNS` as `LetterTodo`'s fields (bar `level_text` and `overdue`)
_LETTER_NAMES = tuple(c.key for c in repository.LETTER_COLUMNS)
_DUE = _LETTER_NAMES.index("response_due")
_LEVEL = _LETTER_NAMES.index("level")
_OPEN_MEASURES = [MeasureStatus.not_started, MeasureStatus.in_progress]


#: `LetterTodo`'s fields in its order: `repository.LETTER_COLUMNS` with `level_text` after `level`
#: and `overdue` last (checked here: a field added to the model must be added to this)
_LETTER_KEYS = (*_LETTER_NAMES[:2], "level_text", *_LETTER_NAMES[2:], "overdue")
if _LETTER_KEYS != tuple(LetterTodo.model_fields) or _LETTER_NAMES[:2] != ("id", "level"):
    raise RuntimeError(
        f"todo: LetterTodo's fields are {tuple(LetterTodo.model_fields)}, the letters give {_LETTER_KEYS}"
    )
_N_LETTER = len(_LETTER_NAMES)


def _letters(rows: Sequence[Any], day: date) -> dict[str, Any]:
    """A letters section (count over all, the first rows) as `Letters`'s fields, in its order."""
    items = []
    for row in rows:
        due = row[_DUE]
        values = (*row[:2], _LEVEL_TEXT[row[_LEVEL]], *row[2:_N_LETTER], due is not None and due < day)
        items.append(dict(zip(_LETTER_KEYS, values, strict=True)))
    return {"count": int(rows[0][-1]) if rows else 0, "items": items}


#: `MeasureListItem`'s fields in its order (its deadline rule as the model writes it: `written_rule`;
#: a rule's JSON as stored may order or leave out its keys otherwise than the model writes them)
_MEASURE_ORDER = tuple(MeasureListItem.model_fields)


def _measure_items(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`measure_list.item_fields`' dicts in `MeasureListItem`'s order, for `answer_json`."""
    out = []
    for f in fields:
        item = {name: f[name] for name in _MEASURE_ORDER}
        item["deadline_rule"] = written_rule(item["deadline_rule"])
        out.append(item)
    return out


def answer_json(fields: dict[str, Any]) -> bytes:
    """The to-do's JSON as the route's model (`Todo`) writes it, of `fields` made in its fields'
    order (`todo`): pydantic-core's own writer of each value (days, instants, strings), no model
    validated (`test_todo_json.py`: the same bytes as `Todo.model_validate(fields)` serialized by
    the route)."""
    return to_json(fields)


async def todo(
    reads: Reads,
    principal: Principal,
    org_id: int | None,
    round_id: int | None,
    as_of: date | None,
    limit: int,
) -> Response:
    """Every statement goes through `db_fast.fetch`: `reads` is a session or a `ReadConnection`.
    On PostgreSQL three statements for the caller's own org (the session's, every section but the
    measures in one, the measures), one more for another org (the office's). The answer is the
    route's JSON (`answer_json`)."""
    day = as_of or today()
    now = utcnow()
    org, s = await _sections(reads, principal, org_id, now, limit)
    owed_rows = s.owed
    steps = _closure_steps(s.closures, org.id, day)
    window, measures = await _measures_due(reads, principal, org.path, round_id, day, limit, s.token)
    fields = {
        "org": {"id": org.id, "name": org.name},
        "as_of": day,
        "warning_days": window,
        "reports_owed": {
            "count": int(owed_rows[0][-1]) if owed_rows else 0,
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
        "letters": _letters(s.letters, day),
        "closures": {"count": len(steps), "items": steps[:limit]},
        "measures": measures,
        "letters_to_issue": _letters(s.to_issue, day),
    }
    return Response(content=answer_json(fields), media_type="application/json")


async def _sections(
    reads: Reads, principal: Principal, org_id: int | None, now: datetime, limit: int
) -> tuple[Any, repository.Sections]:
    """The to-do's sections bar the measures (`repository.sections`) for the caller's org, or
    (office only) an org it may see (`orgs.repository.visible`: its subtree and the chain above
    it); 404 otherwise. The caller's own org is read with the sections, at the path the caller's
    principal gives it; if the org has moved since (its row's path differs), again at its path."""
    if org_id is None or org_id == principal.org_id:
        org_id, path = principal.org_id, principal.org_path
    elif principal.role == Role.office_admin:
        other = await repository.org(reads, org_id)
        if other is None or not (principal.subtree.contains(other.path) or other.path in principal.subtree.ancestors()):
            raise not_found("单位", "Org")
        path = other.path
    else:
        raise not_found("单位", "Org")  # a unit reads its own to-do only
    # the office's own to-do also lists the letters the scan proposed in its subtree
    to_issue = principal.subtree if principal.role == Role.office_admin and org_id == principal.org_id else None
    s = await repository.sections(reads, org_id, path, now, limit, to_issue)
    if s.org is not None and s.org.path != path:
        s = await repository.sections(reads, org_id, s.org.path, now, limit, to_issue)
    if s.org is None:
        raise not_found("单位", "Org")
    return s.org, s


def _closure_steps(pending: Sequence[Any], org_id: int, day: date) -> list[dict[str, Any]]:
    """Closure steps (review, acceptance) waiting on the org, as `ClosureStepTodo`'s fields, of
    the pending closures that may wait on it (`repository.pending_closures`' columns)."""
    steps: list[dict[str, Any]] = []
    for closure_id, issue_id, case_id, state, levels, accepted, applicant, applied_at, step_due, lead in pending:
        if state in _REVIEW:
            holder, action, level = reviewer_id(applicant, lead, levels), "review", None
        elif accepted < len(levels):
            holder, action = int(levels[accepted]["org_id"]), "accept"
            level = accepted + 1
        else:
            continue
        if holder == org_id:
            steps.append(
                {
                    "closure_id": closure_id,
                    "issue_id": issue_id,
                    "petition_case_id": case_id,
                    "state": state,
                    "action": action,
                    "level": level,
                    "applicant_org_id": applicant,
                    "applied_at": applied_at,
                    "step_due": step_due,
                    "overdue": step_due is not None and step_due < day,
                }
            )
    return steps


async def _measures_due(
    reads: Reads, principal: Principal, org_path: str, round_id: int | None, day: date, limit: int, token: int | None
) -> tuple[int, dict[str, Any]]:
    """(the warning window, `MeasuresDue`'s fields): the org's open measures overdue or due within
    the window, the first `limit` and how many in all; `token`: the calendar's, read with the sections."""
    window = await warning_days(reads, round_id)
    marks = DeadlineMarks(await load_base_calendar(reads, token), day)
    f = measure_list.MeasureFilter(
        round_id=round_id,
        statuses=_OPEN_MEASURES,
        responsible=(org_path, True),
        due_before=marks.warning_horizon(window) + timedelta(days=1),
    )
    rows, count = await measure_list.page_with_count(reads, f, principal.scope, limit)
    return window, {"count": count, "items": _measure_items(measure_list.item_fields(rows, marks))}
