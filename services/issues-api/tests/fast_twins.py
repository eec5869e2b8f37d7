"""Shared by the fast-path tests (no tests here): the same app with every request through
FastAPI (its twin on the same database), clients of either, a caller's token, and a count of
the requests the fast path answered itself."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest


@asynccontextmanager
async def framework_twin(settings: Any) -> AsyncIterator[Any]:
    """The same app with every request through FastAPI (same database, same signing secret)."""
    from issues_api.main import create_app

    application = create_app(settings.model_copy(update={"fast_reads": False}), run_relay=False)
    async with application.router.lifespan_context(application):
        yield application


def count_answers(monkeypatch: pytest.MonkeyPatch, fast_class: Any, *, query: bool = False) -> list[str]:
    """The paths (with their query, if `query`) that `fast_class._answer` answered itself."""
    seen: list[str] = []
    answer = fast_class._answer

    async def counting(self: Any, request: Any, route: Any, kwargs: Any) -> Any:
        seen.append(request.url.path + ("?" + request.url.query if query and request.url.query else ""))
        return await answer(self, request, route, kwargs)

    monkeypatch.setattr(fast_class, "_answer", counting)
    return seen


def twin_client(app: Any, token: str | None) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test")
    if token:
        c.headers["Authorization"] = f"Bearer {token}"
    return c


async def sign_in(app: Any, username: str, password: str) -> str:
    async with twin_client(app, None) as c:
        r = await c.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])
