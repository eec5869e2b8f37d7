"""Issue 20, live updates: `GET /changes/stream` pushes the scoped change feed as Server-Sent
Events, resumable with Last-Event-ID, also through a signed URL for a browser's EventSource, with
a per-caller cap. A real server (uvicorn on a free port): an in-process transport buffers a
response until it ends, and a stream never ends."""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest


@pytest.fixture
async def served(app: Any) -> AsyncIterator[str]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):  # started within 10 s
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def next_event(lines: AsyncIterator[str], seconds: float = 5.0) -> dict[str, Any]:
    """The next event (its id and data) from an SSE line iterator, skipping comments and retry."""

    async def read() -> dict[str, Any]:
        event: dict[str, Any] = {}
        async for line in lines:
            if line.startswith("id: "):
                event["id"] = line[4:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
            elif line == "" and "data" in event:
                return event
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(read(), seconds)


async def new_issue(client: Any, round_id: int, text: str) -> int:
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    body = {"round_id": round_id, "category": "推送", "description": text, "lead_org_id": orgs["阿巴嘎旗"]}
    r = await client.post("/api/v1/issues", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_a_change_reaches_an_open_stream_and_a_resumed_one(app, client, served, demo_round):
    auth = {"Authorization": client.headers["Authorization"]}
    async with httpx.AsyncClient(base_url=served, timeout=10) as net:
        async with net.stream("GET", "/api/v1/changes/stream", headers=auth) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            lines = r.aiter_lines()
            issue = await new_issue(client, demo_round, "推送测试问题")
            await app.state.relay.run_once()  # the relay positions it (it also runs by itself)
            event = await next_event(lines)
            change = event["data"]
            while not (change["type"] == "issue.created" and change["aggregate_id"] == str(issue)):
                event = await next_event(lines)
                change = event["data"]
            assert event["id"] == str(change["position"]) and change["data"]["id"] == issue

        # resuming after the position before it replays it, from the database
        before = str(int(event["id"]) - 1)
        async with net.stream("GET", "/api/v1/changes/stream", headers=auth | {"Last-Event-ID": before}) as r:
            replayed = await next_event(r.aiter_lines())
            assert replayed["id"] == event["id"] and replayed["data"] == change
        # a position this server never gave is refused
        r = await net.get("/api/v1/changes/stream", headers=auth | {"Last-Event-ID": "999999999"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cursor"
        # units have no change feed
        unit = await net.post("/api/v1/auth/token", data={"username": "abgq", "password": "demo-test-pw"})
        token = unit.json()["access_token"]
        r = await net.get("/api/v1/changes/stream", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403


async def test_an_eventsource_opens_the_stream_by_a_signed_url_and_streams_are_capped(app, client, served, demo_round):
    from issues_api.changes.stream import MAX_STREAMS_PER_CALLER

    r = await client.post("/api/v1/changes/stream/link", params={"minutes": 2})
    assert r.status_code == 200, r.text
    path = r.json()["path"]
    async with httpx.AsyncClient(base_url=served, timeout=10) as net:  # no Authorization header
        async with net.stream("GET", path) as s:
            assert s.status_code == 200
            lines = s.aiter_lines()
            issue = await new_issue(client, demo_round, "浏览器推送")
            await app.state.relay.run_once()
            change = (await next_event(lines))["data"]
            while change["aggregate_id"] != str(issue):
                change = (await next_event(lines))["data"]
        forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
        assert (await net.get(forged)).status_code == 403

        auth = {"Authorization": client.headers["Authorization"]}
        async with contextlib_stack() as stack:
            for _ in range(MAX_STREAMS_PER_CALLER):
                s = await stack.enter_async_context(net.stream("GET", "/api/v1/changes/stream", headers=auth))
                assert s.status_code == 200
            r = await net.get("/api/v1/changes/stream", headers=auth)
            assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_streams"
        # closed streams free their places
        await asyncio.sleep(0.3)
        async with net.stream("GET", "/api/v1/changes/stream", headers=auth) as s:
            assert s.status_code == 200


def contextlib_stack() -> Any:
    import contextlib

    return contextlib.AsyncExitStack()
