"""`GET /measures` writes its page's JSON itself (`measure_list.page_json`, no pydantic object an
item): its bytes are the ones the route's model (`Page[MeasureListItem]`) and FastAPI's serializer
make of the same rows, whatever the rows hold (texts with quotes, line ends, control characters,
any script; a responsible org or none; a withdrawal; a deadline rule stored in any key order;
every status and precision; due days before and after the as-of day; a cursor and a total)."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import get_args

from fastapi.routing import APIRoute
from hypothesis import given, settings
from hypothesis import strategies as st

from issues_api.core.fast_reads import route_json
from issues_api.core.pagination import Page
from issues_api.issues import measure_list, router
from issues_api.issues.overdue import DeadlineMarks
from issues_api.issues.repository import MEASURE_NAMES
from issues_api.issues.schemas import DeadlinePrecision, MeasureListItem
from rectify_shared.calendar_store import package_data
from rectify_shared.enums import MeasureStatus
from rectify_shared.workcalendar import WorkCalendar

AS_OF = date(2025, 3, 17)
CALENDAR = WorkCalendar(package_data())
ROUTE = next(r for r in router.router.routes if isinstance(r, APIRoute) and r.endpoint is router.list_measures)

days = st.dates(date(2023, 1, 1), date(2026, 12, 31))
moments = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(lambda d: d.replace(tzinfo=UTC))
texts = st.text(max_size=30)
ids = st.integers(1, 2**62)


@st.composite
def rules(draw: st.DrawFn) -> dict | None:
    kind = draw(st.sampled_from([None, "date", "working_days_after"]))
    if kind is None:
        return None
    if kind == "date":
        return {"kind": "date"}
    rule = {
        "days": draw(st.integers(1, 250)),
        "event_date": draw(days).isoformat(),
        "event": draw(st.text(min_size=1, max_size=20)),
        "kind": kind,
    }
    keys = draw(st.permutations(list(rule)))
    return {k: rule[k] for k in keys}


@st.composite
def rows(draw: st.DrawFn) -> tuple:
    withdrawn = draw(st.booleans())
    values = {
        "id": draw(ids),
        "issue_id": draw(ids),
        "seq": draw(st.none() | st.integers(1, 99)),
        "position": draw(st.integers(1, 99)),
        "text": draw(texts),
        "responsible_org_id": draw(st.none() | st.integers(1, 10**6)),
        "responsible_org_name": draw(st.none() | texts),
        "deadline": draw(st.none() | days),
        "original_deadline": draw(st.none() | days),
        "deadline_rule": draw(rules()),
        "deadline_provisional": draw(st.booleans()),
        "deadline_text": draw(st.none() | texts),
        "deadline_precision": draw(st.none() | st.sampled_from(get_args(DeadlinePrecision))),
        "status": draw(st.sampled_from([s.value for s in MeasureStatus])),
        "waived_reason": draw(st.none() | texts),
        "withdrawn_at": draw(moments) if withdrawn else None,
        "withdrawn_by": draw(st.none() | texts) if withdrawn else None,
        "withdrawn_reason": draw(st.none() | texts) if withdrawn else None,
        "created_at": draw(moments),
        "updated_at": draw(moments),
    }
    extra = (draw(st.integers(1, 999)), draw(st.integers(1, 9999)), draw(texts), draw(st.none() | days), 7)
    return (*(values[n] for n in MEASURE_NAMES), *extra)


def _routes(page: list[tuple], nxt: str | None, total: int | None) -> bytes:
    marks = DeadlineMarks(CALENDAR, AS_OF)
    value = Page[MeasureListItem](items=measure_list.items(page, marks), next_cursor=nxt, total=total)
    return asyncio.run(route_json(ROUTE, value))


@settings(max_examples=150, deadline=None)
@given(
    page=st.lists(rows(), max_size=8),
    nxt=st.none() | st.text(alphabet="abcXYZ0123456789-_", min_size=1, max_size=40),
    total=st.none() | st.integers(0, 10**6),
)
def test_a_pages_json_is_the_routes(page: list[tuple], nxt: str | None, total: int | None) -> None:
    assert measure_list.page_json(page, DeadlineMarks(CALENDAR, AS_OF), nxt, total) == _routes(page, nxt, total)


def test_an_overdue_page_as_the_route_writes_it() -> None:
    """The bench's page: open measures due before the as-of day, a fractional second, a name with
    what JSON escapes, days overdue across a holiday."""
    moment = datetime(2024, 12, 1, 1, 0, 0, 123456, tzinfo=UTC)
    base = dict.fromkeys(MEASURE_NAMES)
    base |= {"issue_id": 9, "position": 1, "deadline_provisional": False, "created_at": moment, "updated_at": moment}
    page = []
    for i, status in enumerate(["not_started", "in_progress", "completed"]):
        row = base | {"id": 41 + i, "seq": i or None, "text": 'a"\\\n\x01\u2028😀', "status": status}
        row |= {"responsible_org_id": 21, "responsible_org_name": "盟住建局", "deadline": AS_OF - timedelta(i)}
        page.append((*(row[n] for n in MEASURE_NAMES), 1, 9, "方面", date(2024, 9, 30) + timedelta(i), 3))
    want = _routes(page, "Y3Vyc29y", 3)
    assert measure_list.page_json(page, DeadlineMarks(CALENDAR, AS_OF), "Y3Vyc29y", 3) == want
    assert b'"days_overdue":' in want and b'"overdue":true' in want
