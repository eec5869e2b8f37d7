"""The fast path of the two busiest reads (`issues/fast.py`) answers exactly as the FastAPI routes do.

Two apps on one database: the default one (fast reads on) and one with `RECTIFY_FAST_READS=false`,
where every request goes through FastAPI. The same requests, by the same callers, must get the
same status, headers and bytes from both — for every filter, sort, cursor and caller the ledger
has, and for the errors (unknown, invisible, bad cursor, no or bad credentials). The fast path
must also really serve the plain forms (counted), and leave the others to FastAPI.
"""

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import httpx
import pytest

from issues_api.issues import fast


@pytest.fixture
async def framework_app(settings: Any) -> AsyncIterator[Any]:
    """The same app with every request through FastAPI (same database, same signing secret)."""
    from issues_api.main import create_app

    application = create_app(settings.model_copy(update={"fast_reads": False}), run_relay=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the fast path answered itself."""
    seen: list[str] = []
    answer = fast.FastLedgerReads._answer

    async def counting(self: Any, request: Any, route: Any, kwargs: Any) -> Any:
        seen.append(request.url.path + ("?" + request.url.query if request.url.query else ""))
        return await answer(self, request, route, kwargs)

    monkeypatch.setattr(fast.FastLedgerReads, "_answer", counting)
    return seen


def _client(app: Any, token: str | None) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test")
    if token:
        c.headers["Authorization"] = f"Bearer {token}"
    return c


async def _token(app: Any, username: str, password: str) -> str:
    async with _client(app, None) as c:
        r = await c.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])


def _answer(r: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted(r.headers.items())
    return r.status_code, headers, r.content


async def _same(fast_app: Any, framework_app: Any, token: str | None, urls: list[str]) -> list[int]:
    """Each url through both apps: identical answers; returns the statuses."""
    statuses = []
    async with _client(fast_app, token) as a, _client(framework_app, token) as b:
        for url in urls:
            same_id = {"X-Request-ID": uuid4().hex}  # errors carry it in their body
            got, want = _answer(await a.get(url, headers=same_id)), _answer(await b.get(url, headers=same_id))
            assert got == want, url
            statuses.append(got[0])
    return statuses


def _list_urls(round_id: int, org_id: int, cursor: str) -> list[str]:
    base = "/api/v1/issues"
    category = quote("北方生态安全屏障构建仍有短板方面")
    return [
        base,
        f"{base}?round_id={round_id}",
        f"{base}?round_id={round_id}&status=in_progress",
        f"{base}?round_id={round_id}&status=completed&status=in_progress&limit=3",
        f"{base}?category={category}",
        f"{base}?org_id={org_id}",
        f"{base}?deadline_before=2025-06-30&sort=-deadline",
        f"{base}?q={quote('整改')}&sort=updated_at&limit=2",
        *(f"{base}?round_id={round_id}&sort={s}&limit=4" for s in fast.ISSUE_SORTS),
        f"{base}?round_id={round_id}&limit=5&cursor={cursor}",
        f"{base}?round_id=999999",
        f"{base}?org_id=999999",  # an org the caller cannot see: 404 from the route
        f"{base}?sort=-seq&cursor={cursor}",  # a cursor of another sort: 422 from the route
        f"{base}?cursor=not-a-cursor",
        # working days overdue, as of today or a day given; the overdue filter both ways
        f"{base}?overdue=true",
        f"{base}?overdue=false&as_of=2024-10-08&sort=deadline",
        f"{base}?round_id={round_id}&overdue=true&as_of=2025-07-01&with_total=true",
        f"{base}?as_of=2025-01-02&status=in_progress&limit=7",
    ]


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
    "/api/v1/issues?with_total=true",
    "/api/v1/issues?cursor=a%2Bb",  # not base64url: FastAPI's validation (the route's pattern)
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
]


async def test_fast_reads_answer_byte_for_byte_as_the_routes(app, framework_app, demo_round, served, helpers):
    admin = await _token(app, "admin", helpers.ADMIN_PASSWORD)
    async with _client(app, admin) as c:
        first = (await c.get(f"/api/v1/issues?round_id={demo_round}&limit=5")).json()
        ids = [i["id"] for i in (await c.get(f"/api/v1/issues?round_id={demo_round}&limit=200")).json()["items"]]
        orgs = (await c.get("/api/v1/orgs?limit=200")).json()["items"]
    assert len(ids) == 12 and first["next_cursor"]
    county = next(o["id"] for o in orgs if o["name"] == "锡林浩特市")
    served.clear()

    urls = _list_urls(demo_round, county, first["next_cursor"])
    details = [f"/api/v1/issues/{i}" for i in ids] + ["/api/v1/issues/999999"]
    details += [f"/api/v1/issues/{i}?as_of={day}" for i in ids[:3] for day in ("2024-10-08", "2025-07-01")]
    statuses = await _same(app, framework_app, admin, urls + details)
    assert statuses.count(200) >= len(urls) - 4 + 12 and {404, 422} <= set(statuses)
    # every one of those is a plain form but the counted one: the fast path answered each (the errors included)
    assert len(served) == len(urls) + len(details) - 1
    # and the comparison covered problems overdue (working days counted) as well as others
    async with _client(app, admin) as c:
        marks = [(i["overdue"], i["days_overdue"]) for i in (await c.get("/api/v1/issues?limit=200")).json()["items"]]
    assert any(days and days > 0 for _, days in marks) and (False, None) in marks

    # narrower callers: a league leader, a county operator (who sees only its own problems)
    for username in ("leader", "xlhts"):
        token = await _token(app, username, helpers.DEMO_PASSWORD)
        got = await _same(app, framework_app, token, urls + details)
        assert 200 in got
    operator = await _token(app, "xlhts", helpers.DEMO_PASSWORD)
    assert 404 in await _same(app, framework_app, operator, details)  # problems of other units: not found

    # no credentials, a forged token, a malformed API key: the route's 401s
    served.clear()
    for token in (None, admin[:-2] + "xx", "rk_malformed"):
        assert set(await _same(app, framework_app, token, urls[:2] + details[:1])) == {401}
    assert len(served) == 9


async def test_other_forms_go_through_fastapi_unchanged(app, framework_app, demo_round, served, helpers):
    admin = await _token(app, "admin", helpers.ADMIN_PASSWORD)
    served.clear()
    statuses = await _same(app, framework_app, admin, NOT_PLAIN)
    assert served == []
    assert 422 in statuses and 404 in statuses  # FastAPI's own validation and routing answered them
    # a POST to the list path and a HEAD are FastAPI's too
    async with _client(app, admin) as c:
        await c.head(f"/api/v1/issues?round_id={demo_round}")
        await c.post("/api/v1/issues", json={})
    assert served == []


async def test_an_api_key_reads_through_the_fast_path_as_through_the_route(app, framework_app, client, served):
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    league = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
    secret = (await client.post("/api/v1/api-keys", json={"name": "省级系统", "org_id": league})).json()["secret"]
    ids = [i["id"] for i in (await client.get("/api/v1/issues?limit=200")).json()["items"]]
    served.clear()
    statuses = await _same(app, framework_app, secret, ["/api/v1/issues", f"/api/v1/issues/{ids[0]}"])
    assert statuses == [200, 200] and len(served) == 2


async def test_fast_reads_are_counted_under_their_route_in_the_metrics(app, client, served):
    await client.get("/api/v1/issues?limit=1")
    await client.get("/api/v1/issues/1")
    assert len(served) == 2
    text = (await client.get("/metrics")).text
    assert 'route="/api/v1/issues"' in text and 'route="/api/v1/issues/{issue_id}"' in text


async def test_a_filter_the_fast_path_does_not_know_is_not_silently_ignored(app, client, served):
    """A request with a parameter the fast path does not serve goes to FastAPI, and a route that
    declares a filter the fast path does not know stops the app at startup."""
    import inspect

    from fastapi.routing import APIRoute

    from issues_api.issues import router as issues_router

    served.clear()
    everything = (await client.get("/api/v1/issues?limit=200")).json()
    counted = (await client.get("/api/v1/issues?limit=200&with_total=true")).json()
    assert everything["total"] is None and counted["total"] == len(everything["items"]) > 0
    assert served == ["/api/v1/issues?limit=200"]  # the counted form went through the route

    # a new filter on the route (the way `overdue` was added), unknown to the fast path
    def with_filter(endpoint: Any, name: str) -> Any:
        original = inspect.signature(endpoint)
        extra = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool)

        async def extended(**kw: Any) -> Any:
            raise AssertionError("never called")

        extended.__signature__ = original.replace(  # type: ignore[attr-defined]
            parameters=[*original.parameters.values(), extra]
        )
        return extended

    assert fast.check_list_route(APIRoute("/api/v1/issues", issues_router.list_issues)).limit_max == 200
    with pytest.raises(RuntimeError, match="escalated"):
        fast.check_list_route(APIRoute("/api/v1/issues", with_filter(issues_router.list_issues, "escalated")))
    # the detail's parameters are held to the fast path's list the same way
    detail = "/api/v1/issues/{issue_id}"
    assert fast.check_detail_route(APIRoute(detail, issues_router.get_issue))[1].year == 2100
    with pytest.raises(RuntimeError, match="escalated"):
        fast.check_detail_route(APIRoute(detail, with_filter(issues_router.get_issue, "escalated")))
