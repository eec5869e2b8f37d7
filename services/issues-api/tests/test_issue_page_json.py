"""`GET /issues` writes its page's JSON from the rows (`issues.views.page_json`, no pydantic object
a problem): its bytes are the ones the route's model and serializer (`Page[IssueSummary]`,
FastAPI's `serialize_response`) make of `summaries_of` the same rows — whatever the rows hold (None
in every nullable column, any script and control characters in the texts, dates, timestamps with
and without microseconds or a zone, every status and deadline precision, leaders and deadline
rules, links in any order) — and, end to end, for every query parameter the route declares, alone
and combined, through the fast path and through FastAPI. A value the model would refuse sends the
page to the models, which refuse it as before."""

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, get_args
from urllib.parse import parse_qsl, urlsplit
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from issues_api.core.fast_reads import route_json
from issues_api.core.pagination import Page
from issues_api.issues import repository, router, views
from issues_api.issues.fast import LEDGER_READS
from issues_api.issues.schemas import DeadlinePrecision, IssueSummary
from rectify_shared.enums import IssueStatus

from .fast_twins import sign_in, twin_client
from .test_fast_reads import _ids, _list_urls

(ROUTE,) = [r for r in router.router.routes if isinstance(r, APIRoute) and r.endpoint is router.list_issues]

texts = st.text(max_size=30) | st.sampled_from(['",\\\n\x00\x1f\u2028😀', "关于某某旗生态环境保护督察反馈问题整改"])
names = st.text(min_size=1, max_size=12) | st.sampled_from(["锡林浩特市", "生态环境局"])
ids = st.integers(1, 2**31 - 1)
days = st.dates(date(1990, 1, 1), date(2099, 12, 31))
zones = st.sampled_from([None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))])
instants = st.datetimes(datetime(1990, 1, 1), datetime(2099, 12, 31), timezones=zones)
leaders = st.none() | st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=50)},
    optional={
        "title": st.none() | st.text(max_size=100),
        "phone": st.none() | st.sampled_from(["13904790000", "+86 (471) 123-4567"]),
        "email": st.none() | st.sampled_from(["wang@example.com", "Li.Si@Example.ORG"]),
    },
)
rules = st.none() | st.just({"kind": "date"}) | st.fixed_dictionaries(
    {
        "kind": st.just("working_days_after"),
        "event": st.text(min_size=1, max_size=100),
        "event_date": days.filter(lambda d: date(2000, 1, 1) <= d <= date(2099, 12, 31)).map(date.isoformat),
        "days": st.integers(1, 250),
    }
)  # fmt: skip
links = st.lists(
    st.tuples(st.sampled_from(["lead", "responsible"]), ids, names, st.text(alphabet="/0123456789", max_size=12)),
    max_size=5,
)


@st.composite
def rows(draw: Any) -> tuple[Any, ...]:
    values = {
        "id": draw(ids),
        "round_id": draw(ids),
        "seq": draw(st.integers(0, 10**6)),
        "category": draw(texts),
        "description": draw(texts),
        "status": draw(st.sampled_from([s.value for s in IssueStatus])),
        "on_schedule": draw(st.none() | st.booleans()),
        "long_term": draw(st.booleans()),
        "deadline": draw(st.none() | days),
        "original_deadline": draw(st.none() | days),
        "deadline_rule": draw(rules),
        "deadline_provisional": draw(st.booleans()),
        "deadline_text": draw(st.none() | texts),
        "deadline_precision": draw(st.sampled_from([None, *get_args(DeadlinePrecision)])),
        "lead_org_id": draw(ids),
        "responsible_leader": draw(leaders),
        "created_at": draw(instants),
        "updated_at": draw(instants),
        "display_no": draw(st.none() | texts),
    }
    assert set(values) == set(repository.LIST_NAMES)
    # the links as PostgreSQL gives them (a list of records) or SQLite (a JSON array)
    raw = draw(links)
    return (*(values[n] for n in repository.LIST_NAMES), draw(st.sampled_from([list, lambda x: x]))(raw) or None)


def _by_the_models(page: list[Any], judged: dict[int, Any], late: dict[int, int], nxt: Any, total: Any) -> bytes:
    summaries = views.summaries_of(page, [repository.links_of(r) for r in page], judged, late)
    return asyncio.run(route_json(ROUTE, Page[IssueSummary](items=summaries, next_cursor=nxt, total=total)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page=st.lists(rows(), max_size=8, unique_by=lambda r: r[0]),
    data=st.data(),
    nxt=st.none() | st.text(alphabet="ABCxyz019_-", min_size=1, max_size=40),
    total=st.none() | st.integers(0, 10**7),
)
def test_a_pages_json_is_the_routes(page: list[Any], data: Any, nxt: Any, total: Any) -> None:
    known = [r[0] for r in page] + [data.draw(ids)]
    judged = data.draw(st.dictionaries(st.sampled_from(known), st.none() | st.booleans()))
    late = data.draw(st.dictionaries(st.sampled_from(known), st.integers(0, 5000)))
    try:
        want = _by_the_models(page, judged, late, nxt, total)
    except ValidationError:  # (a leader hypothesis made that the model refuses: so do the plain bytes)
        with pytest.raises(ValidationError):
            views.page_json(page, judged, late, nxt, total)
        return
    assert views.page_json(page, judged, late, nxt, total) == want


def test_a_value_the_model_refuses_goes_to_the_models() -> None:
    row = dict.fromkeys(repository.LIST_NAMES)
    row |= {"id": 1, "round_id": 1, "seq": 1, "category": "c", "description": "d", "status": "in_progress"}
    row |= {"long_term": False, "deadline_provisional": False, "lead_org_id": 2}
    row |= {"created_at": datetime(2025, 1, 1, tzinfo=UTC), "updated_at": datetime(2025, 1, 1, tzinfo=UTC)}
    good = (*(row[n] for n in repository.LIST_NAMES), [("lead", 2, "某旗", "/1/2/")])
    assert views.page_json([good], {}, {}, None, None) == _by_the_models([good], {}, {}, None, None)
    for name, bad in (("deadline_precision", "fortnight"), ("status", "archived")):
        odd = (*(bad if n == name else row[n] for n in repository.LIST_NAMES), good[-1])
        assert views.page_json([odd], {}, {}, None, None) is None
        with pytest.raises((ValidationError, KeyError)):
            _by_the_models([odd], {}, {}, None, None)


def test_the_urls_cover_every_parameter_the_route_declares() -> None:
    (entry,) = [r for r in LEDGER_READS if r.endpoint is router.list_issues]
    declared = {p.alias for p in ROUTE.dependant.query_params}
    used = {k for u in _list_urls(_ids_stub()) for k, _ in parse_qsl(urlsplit(u).query)}
    assert declared == entry.query == used


def _ids_stub() -> Any:
    from .test_fast_reads import Ids

    return Ids(1, 2, [3], "c1", "c2")


async def test_every_filter_answers_as_the_models_do(app, demo_round, helpers, monkeypatch) -> None:
    """Each list url (every declared parameter, alone and combined; errors too) by three callers,
    through the fast path and through FastAPI: the bytes written from the rows are the bytes the
    models make of the same page (`page_json` turned off)."""
    admin = await sign_in(app, "admin", helpers.ADMIN_PASSWORD)
    urls = _list_urls(await _ids(app, admin, demo_round))
    written: list[bool] = []
    plain = views.page_json

    def counted(*args: Any) -> bytes | None:
        out = plain(*args)
        written.append(out is not None)
        return out

    same_ids = {u: uuid4().hex for u in urls}  # errors carry it in their body
    tokens = [admin] + [await sign_in(app, u, helpers.DEMO_PASSWORD) for u in ("leader", "xlhts")]
    for token in tokens:
        answers = []
        for page_json in (counted, lambda *args: None):
            monkeypatch.setattr(views, "page_json", page_json)
            async with twin_client(app, token) as c:
                got = [await c.get(u, headers={"X-Request-ID": same_ids[u]}) for u in urls]
            answers.append([(r.status_code, sorted(r.headers.items()), r.content) for r in got])
        for url, fast, models in zip(urls, *answers, strict=True):
            assert fast == models, url
        # every page was written from its rows (none fell back), the 404s and 422s never got that far
        assert written and all(written) and len(written) == [a[0] for a in answers[0]].count(200)
        written.clear()
    async with twin_client(app, admin) as c:  # the pages compared held overdue problems and responsible orgs
        items = (await c.get("/api/v1/issues?limit=200")).json()["items"]
    assert any(i["days_overdue"] for i in items) and any(i["responsible_orgs"] for i in items)
