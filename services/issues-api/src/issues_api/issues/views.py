"""Read models of the ledger: issue summaries and details, measures."""

from collections.abc import Callable, Sequence
from datetime import date
from operator import itemgetter
from typing import Any, get_args

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ISSUE_STATUS_TEXT, IssueStatus
from rectify_shared.models import Issue, Measure, Org
from rectify_shared.schedule import schedules_of
from rectify_shared.status import allowed_targets
from rectify_shared.timezone import today

from ..calendar.schemas import DeadlineRule
from ..core.kept import Kept
from ..long_term.due import due_of
from ..orgs import repository as orgs
from ..orgs.schemas import OrgRef
from . import repository
from .overdue import days_overdue_of, issues_days_overdue
from .schemas import DeadlinePrecision, IssueRead, IssueSummary, Leader, MeasureRead, Withdrawal


def withdrawal(row: Any) -> Withdrawal | None:
    """Of an entity or a selected row (Issue, Measure, or their `repository` column rows)."""
    if row.withdrawn_at is None:
        return None
    return Withdrawal(
        withdrawn_at=row.withdrawn_at, withdrawn_by=row.withdrawn_by or "", reason=row.withdrawn_reason or ""
    )


def measure_read(m: Measure, org_names: dict[int, Org], days_overdue: int | None = None) -> MeasureRead:
    """`days_overdue`: its working days overdue (`overdue.days_overdue_of`), None when it is not."""
    assert m.id is not None
    org = org_names.get(m.responsible_org_id) if m.responsible_org_id else None
    return MeasureRead(
        id=m.id,
        issue_id=m.issue_id,
        seq=m.seq,
        position=m.position,
        text=m.text,
        responsible_org=OrgRef(id=org.id, name=org.name) if org and org.id else None,
        deadline=m.deadline,
        original_deadline=m.original_deadline,
        deadline_rule=m.deadline_rule,
        deadline_provisional=m.deadline_provisional,
        deadline_text=m.deadline_text,
        deadline_precision=m.deadline_precision,
        status=m.status,
        waived_reason=m.waived_reason,
        withdrawal=withdrawal(m),
        created_at=m.created_at,
        updated_at=m.updated_at,
        overdue=days_overdue is not None,
        days_overdue=days_overdue,
    )


def measure_row_fields(m: Any) -> dict[str, Any]:
    """A measure from a `repository.MEASURE_COLUMNS` row, as `MeasureRead`'s fields (the detail
    validates them with the rest of the problem, in one call)."""
    fields = dict(zip(repository.MEASURE_NAMES, m, strict=True))  # a row unpacks in C
    org_id, org_name = fields.pop("responsible_org_id"), fields.pop("responsible_org_name")
    fields["responsible_org"] = {"id": org_id, "name": org_name} if org_id and org_name else None
    at, by, reason = fields.pop("withdrawn_at"), fields.pop("withdrawn_by"), fields.pop("withdrawn_reason")
    fields["withdrawal"] = (
        None if at is None else {"withdrawn_at": at, "withdrawn_by": by or "", "reason": reason or ""}
    )
    return fields


#: the columns a summary copies as they are (`repository.LIST_COLUMNS`)
_SUMMARY_COLUMNS = (
    "id", "round_id", "seq", "category", "description", "status", "on_schedule", "long_term", "deadline",
    "original_deadline", "deadline_rule", "deadline_provisional", "deadline_text", "deadline_precision",
    "responsible_leader", "created_at", "updated_at", "display_no",
)  # fmt: skip
_SUMMARIES = TypeAdapter(list[IssueSummary])
#: a list or detail row's values by position (rows index in C; `row.name` is a Python call each)
_summary_values = itemgetter(*(repository.LIST_NAMES.index(name) for name in _SUMMARY_COLUMNS))
_LEAD_ORG = repository.LIST_NAMES.index("lead_org_id")
_schedule_values = itemgetter(*(repository.LIST_NAMES.index(name) for name in ("id", "status", "on_schedule")))
_STATUS_TEXT = {status.value: text for status, text in ISSUE_STATUS_TEXT.items()}


async def schedules(
    reads: Any, rows: Sequence[Any], indicated: Callable[[Any], Any] | None = None
) -> dict[int, bool | None]:
    """达到序时进度 / 滞后 of the problems in progress among `rows` (entities or `repository`
    rows) today, by the one definition (`rectify_shared.schedule`): not the stored flag alone.
    `indicated(row)`: whether the row's problem may have an indicator (a list page's
    `LIST_INDICATED`); the indicators are read only for those, the others keep their flag."""
    by_hand: dict[int, bool | None] = {}
    asked: dict[int, bool | None] = {}
    for row in rows:
        if isinstance(row, Issue):
            issue_id, status, flag = row.id, row.status, row.on_schedule
        else:
            issue_id, status, flag = _schedule_values(row)
        if status == IssueStatus.in_progress.value and issue_id is not None:
            by_hand[issue_id] = flag
            if indicated is None or indicated(row):
                asked[issue_id] = flag
    if asked:
        by_hand.update(await schedules_of(reads, asked, today()))
    return by_hand


async def page_schedules(reads: Any, rows: Sequence[Any]) -> dict[int, bool | None]:
    """`schedules` of a list page's rows (`repository.list_page`): the indicators are read only
    for the problems in progress that have one (`LIST_INDICATED`), none for most pages."""
    return await schedules(reads, rows, itemgetter(repository.LIST_INDICATED))


_overdue_values = itemgetter(*(repository.LIST_NAMES.index(name) for name in ("id", "status", "deadline")))


async def days_overdue(reads: Any, rows: Sequence[Any], as_of: date) -> dict[int, int]:
    """Working days overdue on `as_of` of the overdue problems among a list page's rows (live
    problems: the list leaves the withdrawn out), by `overdue.issues_days_overdue`; the calendar
    under the token the page read with its rows (`LIST_CALENDAR_TOKEN`)."""
    token = rows[0][repository.LIST_CALENDAR_TOKEN] if rows else None
    return await issues_days_overdue(reads, [(*_overdue_values(row), None) for row in rows], as_of, token)


def _summary_fields(
    row: Any,
    links: Sequence[Sequence[Any]],
    judged: dict[int, bool | None] | None = None,
    late: dict[int, int] | None = None,
) -> dict[str, Any]:
    """Of an entity or a `repository` list/detail row (its first columns are `LIST_COLUMNS`);
    `judged`: the schedules `schedules` found (in place of the stored flag); `late`: the working
    days overdue `days_overdue` found."""
    if isinstance(row, Issue):
        fields = {name: getattr(row, name) for name in _SUMMARY_COLUMNS}
        lead_org_id = row.lead_org_id
    else:
        fields = dict(zip(_SUMMARY_COLUMNS, _summary_values(row), strict=True))
        lead_org_id = row[_LEAD_ORG]
    fields["status_text"] = _STATUS_TEXT[fields["status"]]
    if judged and fields["id"] in judged:
        fields["on_schedule"] = judged[fields["id"]]
    lead = next(((oid, name) for role, oid, name in links if role == "lead"), (lead_org_id, ""))
    fields["lead_org"] = {"id": lead[0], "name": lead[1]}
    fields["responsible_orgs"] = [{"id": oid, "name": name} for role, oid, name in links if role == "responsible"]
    days = late.get(fields["id"]) if late else None
    fields["overdue"], fields["days_overdue"] = days is not None, days
    return fields


def summary_of(
    row: Any,
    links: Sequence[Sequence[Any]],
    judged: dict[int, bool | None] | None = None,
    late: dict[int, int] | None = None,
) -> IssueSummary:
    """A problem (entity, or a `repository` column row) and its org links [(role, org id, name)]."""
    return IssueSummary.model_validate(_summary_fields(row, links, judged, late))


def summaries_of(
    rows: Sequence[Any],
    links: Sequence[Sequence[Sequence[Any]]],
    judged: dict[int, bool | None] | None = None,
    late: dict[int, int] | None = None,
) -> list[IssueSummary]:
    """A list page's summaries, validated in one call (the hot list path: 50 a page)."""
    return _SUMMARIES.validate_python([_summary_fields(r, lk, judged, late) for r, lk in zip(rows, links, strict=True)])


# -- a list page's JSON without pydantic objects --------------------------------------------------
#
# Validating 50 summaries and serializing the page through the route's model cost 0.66 ms of CPU for
# the bench's first page (50 problems, 61 KB); `page_json` makes the same bytes in 0.36-0.43 ms
# (measured in process on those rows, bench/ at scale 0.05). It writes them from the rows: every
# value in the model's field order, as its JSON type writes it, through pydantic's own serializer
# (`to_json`). The rows' values already have the model's types (the columns' types: ints, texts,
# dates, timestamps, booleans); what a column could hold and the model would refuse (a status or a
# precision not among its values) sends the page to the models instead, which refuse it as they
# always did. The two JSON columns (the leader, the deadline rule) go through their own models
# (kept by their JSON: the leader's e-mail check is slow). `test_issue_page_json.py` compares
# the bytes with the route's serializer, byte for byte.

#: a list row's values in `IssueSummary`'s order (bar the links, the status text and the overdue days)
_page_values = itemgetter(
    *(
        repository.LIST_NAMES.index(name)
        for name in (
            *("id", "round_id", "seq", "display_no", "category", "description", "status", "on_schedule"),
            *("long_term", "deadline", "original_deadline", "deadline_rule", "deadline_provisional"),
            *("deadline_text", "deadline_precision", "lead_org_id", "responsible_leader", "created_at", "updated_at"),
        )
    )
)
_PRECISIONS = frozenset((None, *get_args(DeadlinePrecision)))
_LEADER: TypeAdapter[Leader | None] = TypeAdapter(Leader | None)
_RULE: TypeAdapter[Any] = TypeAdapter(DeadlineRule | None)
#: a JSON column's value as its model writes it: (which model, the value's JSON) -> plain JSON values
_WRITTEN: Kept[tuple[str, bytes], Any] = Kept(1024)


def _as_written(kind: str, adapter: TypeAdapter[Any], value: Any) -> Any:
    """A JSON column's value (`None` or a dict) as its model writes it: validated (a value the
    model refuses raises as in `summaries_of`), its fields in the model's order, defaults filled in."""
    if value is None:
        return None
    key = (kind, to_json(value))
    written = _WRITTEN.get(key)
    if written is None:
        written = adapter.dump_python(adapter.validate_python(value), mode="json")
        _WRITTEN.put(key, None, written)
    return written


def written_rule(value: Any) -> Any:
    """A stored deadline rule (None or a dict) as `DeadlineRule` writes it (the list pages' JSON)."""
    return _as_written("rule", _RULE, value)


def page_json(
    rows: Sequence[Any],
    judged: dict[int, bool | None],
    late: dict[int, int],
    next_cursor: str | None,
    total: int | None,
) -> bytes | None:
    """A list page (`repository.list_page` rows) as the JSON of `Page[IssueSummary]` the route's
    serializer makes of `summaries_of` the same rows; None when a row holds a value the model would
    refuse (a status or a deadline precision it does not know): give the page to the models."""
    items = []
    for row in rows:
        (issue_id, round_id, seq, display_no, category, description, status, flag, long_term, deadline,
         original_deadline, rule, provisional, deadline_text, precision, lead_org_id, leader, created_at,
         updated_at) = _page_values(row)  # fmt: skip
        status_text = _STATUS_TEXT.get(status)
        if status_text is None or precision not in _PRECISIONS:
            return None
        links = repository.links_of(row)
        lead = next(((oid, name) for role, oid, name in links if role == "lead"), (lead_org_id, ""))
        days = late.get(issue_id)
        items.append(
            {
                "id": issue_id,
                "round_id": round_id,
                "seq": seq,
                "display_no": display_no,
                "category": category,
                "description": description,
                "status": status,
                "status_text": status_text,
                "on_schedule": judged.get(issue_id, flag),
                "long_term": long_term,
                "deadline": deadline,
                "original_deadline": original_deadline,
                "deadline_rule": written_rule(rule),
                "deadline_provisional": provisional,
                "deadline_text": deadline_text,
                "deadline_precision": precision,
                "lead_org": {"id": lead[0], "name": lead[1]},
                "responsible_orgs": [{"id": oid, "name": name} for role, oid, name in links if role == "responsible"],
                "responsible_leader": _as_written("leader", _LEADER, leader),
                "created_at": created_at,
                "updated_at": updated_at,
                "overdue": days is not None,
                "days_overdue": days,
            }
        )
    return to_json({"items": items, "next_cursor": next_cursor, "total": total})


async def read_issue(session: AsyncSession, issue: Any, as_of: date | None = None) -> IssueRead:
    """The detail of a problem: `issue` is the entity a write just changed, or (the read path) a
    `repository.get_row` row; measures are read as columns either way. Overdue as of `as_of`
    (default today, China time)."""
    assert issue.id is not None
    if isinstance(issue, Issue):
        links = (await repository.orgs_of(session, [issue.id])).get(issue.id, [])
    else:  # a `get_row` row carries its links
        links = repository.links_of(issue, repository.DETAIL_LINKS)
    measures = [measure_row_fields(m) for m in await repository.live_measure_rows(session, issue.id)]
    live = issue.withdrawn_at is None
    problem, day = (issue.id, issue.status, issue.deadline, issue.withdrawn_at), as_of or today()
    judged = [(m["id"], m["status"], m["deadline"] or issue.deadline, live) for m in measures]
    late, late_measures = await days_overdue_of(session, [problem], judged, day)
    for m in measures:
        days = late_measures.get(m["id"])
        m["overdue"], m["days_overdue"] = days is not None, days
    return IssueRead.model_validate(
        _summary_fields(issue, links, await schedules(session, [issue]), late)
        | {
            "goal": issue.goal,
            "attestation_cycle": issue.attestation_cycle,
            "next_attestation_due": (await due_of(session, issue))[1],
            "illustrative": issue.illustrative or [],
            "withdrawal": withdrawal(issue),
            "allowed_transitions": list(allowed_targets(IssueStatus(issue.status))) if live else [],
            "measures": measures,
        }
    )


async def read_measure(session: AsyncSession, m: Measure, as_of: date | None = None) -> MeasureRead:
    """A measure, overdue as of `as_of` (default today, China time) as the measure list counts it:
    open, and past its deadline, else its problem's."""
    assert m.id is not None
    names = await orgs.get_many(session, [m.responsible_org_id] if m.responsible_org_id else [])
    stmt = select(Issue.deadline, Issue.withdrawn_at).where(Issue.id == m.issue_id)  # type: ignore[call-overload]
    deadline, withdrawn_at = (await session.execute(stmt)).one()
    live = m.withdrawn_at is None and withdrawn_at is None
    day = as_of or today()
    _, late = await days_overdue_of(session, (), [(m.id, m.status, m.deadline or deadline, live)], day)
    return measure_read(m, names, late.get(m.id))
