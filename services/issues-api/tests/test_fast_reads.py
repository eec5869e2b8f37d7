"""The fast reads (`core/fast_reads.py`) answer exactly as the FastAPI routes do.

Two apps on one database: the default one (fast reads on) and one with `RECTIFY_FAST_READS=false`,
where every request goes through FastAPI. The same requests, by the same callers, must get the
same status, headers and bytes from both — for every query parameter each fast read serves, alone
and combined, for every kind of caller, and for the errors (unknown, invisible, bad cursor, no or
bad credentials, a password to change first). The fast path must also really serve the plain forms
(counted), and leave the others to FastAPI; and a route that gains a filter its fast entry does not
know stops the app at startup.
"""

import dataclasses
import inspect
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit
from uuid import uuid4

import httpx
import pytest
from fastapi import Depends, FastAPI

from issues_api.core import fast_reads
from issues_api.issues.schemas import ISSUE_SORTS
from issues_api.main import FAST_READS

from .fast_twins import count_answers, framework_twin, sign_in, twin_client


@pytest.fixture
async def framework_app(settings: Any) -> AsyncIterator[Any]:
    async with framework_twin(settings) as application:
        yield application


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the fast path answered itself."""
    return count_answers(monkeypatch, fast_reads.FastReads, query=True)


def _answer(r: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted(r.headers.items())
    return r.status_code, headers, r.content


async def _same(fast_app: Any, framework_app: Any, token: str | None, urls: list[str]) -> list[int]:
    """Each url through both apps: identical answers; returns the statuses."""
    statuses = []
    async with twin_client(fast_app, token) as a, twin_client(framework_app, token) as b:
        for url in urls:
            same_id = {"X-Request-ID": uuid4().hex}  # errors carry it in their body
            got, want = _answer(await a.get(url, headers=same_id)), _answer(await b.get(url, headers=same_id))
            assert got == want, url
            statuses.append(got[0])
    return statuses


@dataclasses.dataclass
class Ids:
    round_id: int
    county: int
    issue_ids: list[int]
    issue_cursor: str
    measure_cursor: str


CATEGORY = quote("北方生态安全屏障构建仍有短板方面")


def _list_urls(x: Ids) -> list[str]:
    base, r = "/api/v1/issues", x.round_id
    return [
        base,
        f"{base}?round_id={r}",
        f"{base}?round_id={r}&status=in_progress",
        f"{base}?round_id={r}&status=completed&status=in_progress&limit=3",
        f"{base}?category={CATEGORY}",
        f"{base}?org_id={x.county}",
        f"{base}?deadline_before=2025-06-30&sort=-deadline",
        f"{base}?q={quote('整改')}&sort=updated_at&limit=2",
        *(f"{base}?round_id={r}&sort={s}&limit=4" for s in ISSUE_SORTS),
        f"{base}?round_id={r}&limit=5&cursor={x.issue_cursor}",
        f"{base}?round_id=999999",
        f"{base}?org_id=999999",  # an org the caller cannot see: 404 from the route
        f"{base}?sort=-seq&cursor={x.issue_cursor}",  # a cursor of another sort: 422 from the route
        f"{base}?cursor=not-a-cursor",
        # working days overdue, as of today or a day given; the overdue filter both ways
        f"{base}?overdue=true",
        f"{base}?overdue=false&as_of=2024-10-08&sort=deadline",
        f"{base}?as_of=2025-01-02&status=in_progress&limit=7",
        # the console's first page, counted: alone, filtered, on a session (org) and on a connection
        f"{base}?with_total=true",
        f"{base}?with_total=false&limit=3",
        f"{base}?round_id={r}&overdue=true&as_of=2025-07-01&with_total=true",
        f"{base}?org_id={x.county}&status=in_progress&status=not_started&with_total=true&limit=2",
        f"{base}?q={quote('整改')}&category={CATEGORY}&deadline_before=2026-01-01&with_total=true",
    ]


def _detail_urls(x: Ids) -> list[str]:
    urls = [f"/api/v1/issues/{i}" for i in x.issue_ids] + ["/api/v1/issues/999999"]
    return urls + [f"/api/v1/issues/{i}?as_of={day}" for i in x.issue_ids[:3] for day in ("2024-10-08", "2025-07-01")]


def _measure_urls(x: Ids) -> list[str]:
    base, r = "/api/v1/measures", x.round_id
    return [
        base,
        f"{base}?round_id={r}",
        f"{base}?issue_id={x.issue_ids[0]}",
        f"{base}?status=in_progress",
        f"{base}?status=completed&status=not_started&limit=4",
        f"{base}?category={CATEGORY}",
        f"{base}?org_id={x.county}",
        f"{base}?responsible_org_id={x.county}",
        f"{base}?overdue=true",  # the console's overdue page
        f"{base}?overdue=true&with_total=true",
        f"{base}?overdue=true&round_id={r}&as_of=2025-07-01&limit=5&with_total=true",
        f"{base}?overdue=false&as_of=2024-10-08",
        f"{base}?due_before=2025-06-30",
        f"{base}?as_of=2025-01-02",
        f"{base}?limit=5&cursor={x.measure_cursor}",
        f"{base}?with_total=true",
        f"{base}?with_total=false",
        f"{base}?org_id=999999",  # not visible: 404
        f"{base}?responsible_org_id=999999",
        f"{base}?cursor={x.issue_cursor}",  # another list's cursor: 422 from the route
    ]


def _todo_urls(x: Ids) -> list[str]:
    base = "/api/v1/me/todo"
    return [
        base,
        f"{base}?org_id={x.county}",  # the office: an org of its subtree; others: 404
        f"{base}?round_id={x.round_id}",
        f"{base}?as_of=2025-07-01",
        f"{base}?limit=1",
        f"{base}?org_id={x.county}&round_id={x.round_id}&as_of=2024-10-08&limit=3",
        f"{base}?org_id=999999",
        f"{base}?round_id=999999",
    ]


def _stats_urls(x: Ids) -> list[str]:
    urls = []
    for what in ("issues", "petitions", "indicators"):
        base = f"/api/v1/stats/{what}"
        urls += [
            base,
            f"{base}?round_id={x.round_id}",
            f"{base}?as_of=2024-12-15",
            f"{base}?round_id={x.round_id}&as_of=2024-10-08",
            f"{base}?round_id={x.round_id}&as_of=2025-07-01",
            f"{base}?round_id=999999",  # not visible: 404
        ]
    return urls


def _all_urls(x: Ids) -> list[str]:
    return _list_urls(x) + _detail_urls(x) + _measure_urls(x) + _todo_urls(x) + _stats_urls(x)


#: forms the fast path leaves to FastAPI (its validation answers them, or they are merely unusual)
NOT_PLAIN = [
    "/api/v1/issues?round_id=%2B1",
    "/api/v1/issues?round_id=01",
    "/api/v1/issues?round_id=1&round_id=2",
    "/api/v1/issues?limit=0",
    "/api/v1/issues?limit=201",
    "/api/v1/issues?status=bogus",
    "/api/v1/issues?sort=bogus",
    "/api/v1/issues?q=",
    "/api/v1/issues?deadline_before=2025-02-30",
    "/api/v1/issues?deadline_before=20250101",
    "/api/v1/issues?round_id=",
    "/api/v1/issues?unknown=1&limit=1",  # a parameter the fast path does not know: never ignored by it
    "/api/v1/issues?with_total=1",
    "/api/v1/issues?cursor=a%2Bb",  # not base64url: FastAPI's validation (the route's pattern)
    "/api/v1/issues?cursor=abc%0A",  # a line end, where pattern engines differ on `$`
    "/api/v1/issues/0",
    "/api/v1/issues/007",
    "/api/v1/issues/abc",
    "/api/v1/issues/99999999999999999999999",
    "/api/v1/issues/",
    "/api/v1/issues?overdue=1",  # FastAPI's booleans are many; the fast path takes true/false
    "/api/v1/issues?overdue=True",
    "/api/v1/issues?overdue=maybe",
    "/api/v1/issues?as_of=1989-12-31",  # outside the route's bounds: its 422
    "/api/v1/issues?as_of=2024-1-8",
    "/api/v1/issues/1?as_of=2101-01-01",
    "/api/v1/issues/1?as_of=2024-10-08&as_of=2024-10-09",
    "/api/v1/issues/1?unknown=1",  # a detail's parameters are fenced too
    "/api/v1/measures?overdue=yes",
    "/api/v1/measures?due_before=2101-01-01",  # the route's bounds
    "/api/v1/measures?status=bogus",
    "/api/v1/measures?issue_id=-1",
    "/api/v1/measures?limit=500",
    "/api/v1/measures?with_total=on",
    "/api/v1/measures?overdue=true&overdue=false",
    "/api/v1/measures/1",  # not a fast read at all
    "/api/v1/me/todo?limit=0",
    "/api/v1/me/todo?limit=51",  # the to-do's own bound (50), not the list's
    "/api/v1/me/todo?as_of=1989-12-31",
    "/api/v1/me/todo?org_id=x",
    "/api/v1/me/todo?status=open",
    "/api/v1/me/todo/",
    "/api/v1/stats/issues?as_of=2024-13-01",
    "/api/v1/stats/issues?as_of=0",
    "/api/v1/stats/petitions?round_id=0",
    "/api/v1/stats/petitions?round_id=1&round_id=1",
    "/api/v1/stats/indicators?as_of=2024-12-15T00:00",
    "/api/v1/stats/indicators?org_id=1",
    "/api/v1/stats/issue-states?round_id=1",  # not a fast read
]


async def _ids(app: Any, token: str, round_id: int) -> Ids:
    async with twin_client(app, token) as c:
        first = (await c.get(f"/api/v1/issues?round_id={round_id}&limit=5")).json()
        ids = [i["id"] for i in (await c.get(f"/api/v1/issues?round_id={round_id}&limit=200")).json()["items"]]
        orgs = (await c.get("/api/v1/orgs?limit=200")).json()["items"]
        measures = (await c.get("/api/v1/measures?limit=5")).json()
    assert len(ids) == 12 and first["next_cursor"] and measures["next_cursor"]
    county = next(o["id"] for o in orgs if o["name"] == "锡林浩特市")
    return Ids(round_id, county, ids, first["next_cursor"], measures["next_cursor"])


def _paths(urls: list[str]) -> set[str]:
    return {urlsplit(u).path for u in urls}


async def test_fast_reads_answer_byte_for_byte_as_the_routes(app, framework_app, demo_round, served, helpers):
    admin = await sign_in(app, "admin", helpers.ADMIN_PASSWORD)
    x = await _ids(app, admin, demo_round)
    served.clear()

    urls = _all_urls(x)
    statuses = await _same(app, framework_app, admin, urls)
    assert statuses.count(200) >= len(urls) - 14 and {404, 422} <= set(statuses)
    # every one of those is a plain form: the fast path answered each (the errors included)
    assert len(served) == len(urls)
    # the comparison covered problems and measures overdue (working days counted) as well as others
    async with twin_client(app, admin) as c:
        marks = [(i["overdue"], i["days_overdue"]) for i in (await c.get("/api/v1/issues?limit=200")).json()["items"]]
        late = (await c.get("/api/v1/measures?overdue=true&with_total=true")).json()
        unit = next(m["responsible_org"]["id"] for m in late["items"] if m["responsible_org"])
        todo = (await c.get(f"/api/v1/me/todo?org_id={unit}&as_of=2025-07-01")).json()
    assert any(days and days > 0 for _, days in marks) and (False, None) in marks
    assert late["total"] > 0 and all(m["days_overdue"] > 0 for m in late["items"])
    assert todo["measures"]["count"] > 0
    assert await _same(app, framework_app, admin, [f"/api/v1/me/todo?org_id={unit}&as_of=2025-07-01&limit=2"]) == [200]

    # narrower callers: a league leader, a county operator (who sees only its own problems)
    for username in ("leader", "xlhts"):
        token = await sign_in(app, username, helpers.DEMO_PASSWORD)
        got = await _same(app, framework_app, token, urls)
        assert 200 in got and 404 in got
    operator = await sign_in(app, "xlhts", helpers.DEMO_PASSWORD)
    assert 404 in await _same(app, framework_app, operator, _detail_urls(x))  # problems of other units: not found

    # no credentials, a forged token, a malformed API key: the route's 401s
    served.clear()
    one_each = [next(u for u in urls if urlsplit(u).path == p) for p in sorted(_paths(urls))]
    for token in (None, admin[:-2] + "xx", "rk_malformed"):
        assert set(await _same(app, framework_app, token, one_each)) == {401}
    assert len(served) == 3 * len(one_each)


async def test_a_caller_the_policy_turns_away_gets_the_routes_403(app, framework_app, client, demo_round, served):
    """`ledger.read` is every role's; what the policy refuses is a caller whose password must
    change first (a new account): the same 403 from both paths."""
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    league = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
    body = {"org_id": league, "role": "leader", "username": "xmeng", "password": "Grassland-2024"}
    assert (await client.post("/api/v1/users", json=body)).status_code == 201
    token = await sign_in(app, "xmeng", "Grassland-2024")
    x = Ids(demo_round, league, [1], "", "")
    urls = [u for u in _all_urls(x) if "cursor=" not in u]
    served.clear()
    assert set(await _same(app, framework_app, token, urls)) == {403}
    assert len(served) == len(urls)


def test_the_comparison_covers_every_parameter_each_fast_read_serves():
    """Each registered fast read is compared, and with each query parameter it serves (a new
    entry or a new parameter needs its urls above)."""
    urls = _all_urls(Ids(1, 2, [3, 4, 5], "c1", "c2"))
    for read in FAST_READS:
        pattern = fast_reads.bind(read, _app_of(read.endpoint, read.path)).pattern
        mine = [u for u in urls if (urlsplit(u).path == read.path) or (pattern and pattern.fullmatch(urlsplit(u).path))]
        assert mine, read.path
        used = {k for u in mine for k, _ in parse_qsl(urlsplit(u).query)}
        assert used == read.query, (read.path, sorted(read.query - used))


async def test_other_forms_go_through_fastapi_unchanged(app, framework_app, demo_round, served, helpers):
    admin = await sign_in(app, "admin", helpers.ADMIN_PASSWORD)
    served.clear()
    statuses = await _same(app, framework_app, admin, NOT_PLAIN)
    assert served == []
    assert 422 in statuses and 404 in statuses  # FastAPI's own validation and routing answered them
    # a POST to the list path and a HEAD are FastAPI's too
    async with twin_client(app, admin) as c:
        await c.head(f"/api/v1/issues?round_id={demo_round}")
        await c.head("/api/v1/me/todo")
        await c.post("/api/v1/issues", json={})
    assert served == []


async def test_an_api_key_reads_through_the_fast_path_as_through_the_route(app, framework_app, client, served):
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    league = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
    secret = (await client.post("/api/v1/api-keys", json={"name": "省级系统", "org_id": league})).json()["secret"]
    ids = [i["id"] for i in (await client.get("/api/v1/issues?limit=200")).json()["items"]]
    urls = ["/api/v1/issues", f"/api/v1/issues/{ids[0]}", "/api/v1/measures?overdue=true", "/api/v1/stats/issues"]
    served.clear()
    statuses = await _same(app, framework_app, secret, urls)
    assert statuses == [200] * len(urls) and len(served) == len(urls)


async def test_fast_reads_are_counted_under_their_route_in_the_metrics(app, client, served):
    await client.get("/api/v1/issues?limit=1")
    await client.get("/api/v1/issues/1")
    await client.get("/api/v1/me/todo")
    assert len(served) == 3
    text = (await client.get("/metrics")).text
    for route in ("/api/v1/issues", "/api/v1/issues/{issue_id}", "/api/v1/me/todo"):
        assert f'route="{route}"' in text


# -- startup: a route the fast path would answer differently stops the app --------------------------


def _app_of(endpoint: Any, path: str, **route: Any) -> FastAPI:
    application = FastAPI()
    application.get(path, **route)(endpoint)
    return application


def _with_parameter(endpoint: Any, name: str, annotation: Any = bool, default: Any = False) -> Any:
    """The endpoint as if a parameter (a new filter) were added to it."""
    original = inspect.signature(endpoint)
    extra = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)

    async def extended(**kw: Any) -> Any:
        raise AssertionError("never called")

    extended.__signature__ = original.replace(parameters=[*original.parameters.values(), extra])  # type: ignore[attr-defined]
    return extended


@pytest.mark.parametrize("read", FAST_READS, ids=lambda r: r.path)
def test_a_filter_the_fast_entry_does_not_know_stops_the_app(read: fast_reads.FastRead):
    """A route that gains a query parameter its fast entry does not serve would come back
    unfiltered from the fast path: binding the entry to it fails (at startup, with the name)."""
    bound = fast_reads.bind(read, _app_of(read.endpoint, read.path))
    assert bound.route.endpoint is read.endpoint
    extended = _with_parameter(read.endpoint, "escalated")
    with pytest.raises(RuntimeError, match="escalated"):
        fast_reads.bind(dataclasses.replace(read, endpoint=extended), _app_of(extended, read.path))
    # served by the entry once it knows it, but not if its type is one the parser cannot read
    known = dataclasses.replace(read, endpoint=extended, query=read.query | {"escalated"})
    assert fast_reads.bind(known, _app_of(extended, read.path)).parse(b"escalated=true")["escalated"] is True
    odd = _with_parameter(read.endpoint, "escalated", float, None)
    with pytest.raises(RuntimeError, match="escalated"):
        fast_reads.bind(dataclasses.replace(known, endpoint=odd), _app_of(odd, read.path))


@pytest.mark.parametrize("read", FAST_READS[:1] + FAST_READS[-1:], ids=lambda r: r.path)
def test_a_dependency_the_fast_path_would_not_run_stops_the_app(read: fast_reads.FastRead):
    async def audited() -> None:
        return None

    with pytest.raises(RuntimeError, match="dependencies"):
        fast_reads.bind(read, _app_of(read.endpoint, read.path, dependencies=[Depends(audited)]))
    with pytest.raises(RuntimeError, match="depends on"):
        fast_reads.bind(dataclasses.replace(read, permission="ledger.write"), _app_of(read.endpoint, read.path))
    with pytest.raises(RuntimeError, match="is at"):
        fast_reads.bind(read, _app_of(read.endpoint, read.path + "/x"))
