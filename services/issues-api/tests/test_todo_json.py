"""`GET /me/todo` writes its JSON itself (`todo.service.answer_json`, no pydantic object: issue 22):
its bytes are the ones the route's model (`Todo`) and FastAPI's serializer make of the same
fields — every section, whatever the strings hold (quotes, backslashes, line ends, control
characters, any script), undated rows, instants with and without microseconds, deadline rules
stored with their keys in any order."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.routing import APIRoute
from hypothesis import given, settings
from hypothesis import strategies as st

from issues_api.core.fast_reads import route_json
from issues_api.issues import repository as issue_repository
from issues_api.todo import router, service
from issues_api.todo.schemas import Todo
from rectify_shared.escalation_policy import LEVEL_TEXT

ROUTE = next(r for r in router.router.routes if isinstance(r, APIRoute) and r.endpoint is router.get_todo)
DAY = date(2024, 12, 16)

ids = st.integers(1, 2**31 - 1)
texts = st.text(max_size=30)
days = st.none() | st.dates(date(2000, 1, 1), date(2100, 12, 31))
instants = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
levels = st.sampled_from([level.value for level in LEVEL_TEXT])
counts = st.integers(0, 10**6)

letter_rows = st.lists(
    st.tuples(ids, levels, st.sampled_from(["issued", "proposed"]), ids, st.none() | ids, st.none() | ids,
              st.none() | ids, st.none() | ids, st.none() | ids, ids, texts, days, days, counts),
    max_size=4,
)  # fmt: skip
owed_rows = st.lists(st.tuples(ids, ids, st.sampled_from(["weekly", "monthly"]), texts, instants), max_size=4)
ORG = 5
#: pending closures (`repository.pending_closures`' columns) whose step waits on `ORG`: an
#: acceptance level of it, or the review (its own application, no lead)
pending = st.lists(
    st.tuples(ids, st.none() | ids, st.none() | ids, st.sampled_from(["applied", "under_review", "accepting"]),
              st.integers(1, 3).map(lambda n: [{"kind": "unit", "org_id": ORG, "org_name": "x"}] * n),
              st.integers(0, 2), st.sampled_from([ORG, 6]), instants, days, st.none() | st.just(ORG)),
    max_size=3,
).map(lambda rows: [(*r[:5], min(r[5], len(r[4]) - 1), *r[6:]) for r in rows])  # fmt: skip
rules = st.none() | st.just({"kind": "date"}) | st.builds(
    lambda event, on, n, reverse: dict(
        sorted({"kind": "working_days_after", "event": event, "event_date": on.isoformat(), "days": n}.items(),
               reverse=reverse)
    ),
    st.text(min_size=1, max_size=20), st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(1, 250), st.booleans(),
)  # fmt: skip


def _withdrawal(at: datetime, by: str, reason: str) -> dict[str, Any]:
    """As `issues.views.measure_row_fields` makes it (`fixed_dictionaries` may order its keys otherwise)."""
    return {"withdrawn_at": at, "withdrawn_by": by, "reason": reason}


measures = st.lists(
    st.fixed_dictionaries(
        {"id": ids, "issue_id": ids, "seq": st.none() | st.integers(1, 99), "position": st.integers(1, 99),
         "text": texts, "responsible_org": st.none() | st.builds(lambda i, n: {"id": i, "name": n}, ids, texts),
         "deadline": days, "original_deadline": days, "deadline_rule": rules, "deadline_provisional": st.booleans(),
         "deadline_text": st.none() | texts,
         "deadline_precision": st.none() | st.sampled_from(["day", "month", "working_days", "long_term"]),
         "status": st.sampled_from(["not_started", "in_progress"]), "waived_reason": st.none() | texts,
         "withdrawal": st.none() | st.builds(_withdrawal, instants, texts, texts),
         "created_at": instants, "updated_at": instants, "round_id": ids, "issue_seq": st.integers(1, 9999),
         "category": texts, "due": days, "overdue": st.booleans(), "days_overdue": st.none() | st.integers(0, 999)}
    ),
    max_size=4,
)  # fmt: skip


def _owed(rows: list[tuple[Any, ...]], now: datetime) -> dict[str, Any]:
    items = [
        {"dispatch_round_id": r[0], "round_id": r[1], "frequency": r[2], "period": r[3], "cutoff": r[4],
         "late": r[4] < now}
        for r in rows
    ]  # fmt: skip
    return {"count": len(rows) + 3, "items": items}


@settings(max_examples=60, deadline=None)
@given(
    org=st.tuples(ids, texts), window=st.integers(0, 30), owed=owed_rows, letters=letter_rows, proposed=letter_rows,
    closures=pending, items=measures, count=counts, now=instants,
)  # fmt: skip
def test_the_todos_json_is_the_routes(org, window, owed, letters, proposed, closures, items, count, now) -> None:
    # the measures as `measure_list.item_fields` gives them: the measure's columns' order first
    order = [n for n in issue_repository.MEASURE_NAMES if n in items[0]] if items else []
    shuffled = [{**{k: m[k] for k in order}, **m} for m in items]
    fields = {
        "org": {"id": org[0], "name": org[1]},
        "as_of": DAY,
        "warning_days": window,
        "reports_owed": _owed(owed, now),
        "letters": service._letters(letters, DAY),
        "closures": {"count": len(closures) + 1, "items": service._closure_steps(closures, ORG, DAY)},
        "measures": {"count": count, "items": service._measure_items(shuffled)},
        "letters_to_issue": service._letters(proposed, DAY),
    }
    want = asyncio.run(route_json(ROUTE, Todo.model_validate(fields)))
    assert service.answer_json(fields) == want


def test_strings_that_look_like_json_change_nothing() -> None:
    tricky = '","count":1,"items":[],"x":"\\\n\x01\u2028😀'
    row = (7, "summons", "issued", 1, None, None, None, None, None, 9, tricky, None, DAY - timedelta(days=1), 3)
    fields = {
        "org": {"id": 1, "name": tricky},
        "as_of": DAY,
        "warning_days": 5,
        "reports_owed": _owed([(1, 2, "weekly", tricky, datetime(2024, 12, 19, 9, 0, 0, 123, tzinfo=UTC))], DAY_NOW),
        "letters": service._letters([row], DAY),
        "closures": {"count": 0, "items": []},
        "measures": {"count": 0, "items": []},
        "letters_to_issue": service._letters([], DAY),
    }
    want = asyncio.run(route_json(ROUTE, Todo.model_validate(fields)))
    assert service.answer_json(fields) == want


DAY_NOW = datetime(2024, 12, 16, 4, 0, tzinfo=UTC)
