"""`Idempotency-Key` on POST: a retry replays the first response; duplicates have one effect."""

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from rectify_shared.models import IdempotencyKey, Org
from rectify_shared.models.types import utcnow


def _org(name: str) -> dict[str, object]:
    return {"name": name, "kind": "county", "parent_id": 2}


async def _count_orgs(app, name: str) -> int:
    async with app.state.rectify.read_sessions() as s:
        return int((await s.execute(select(func.count()).select_from(Org).where(Org.name == name))).scalar_one())


async def _keys(app) -> list[IdempotencyKey]:
    async with app.state.rectify.read_sessions() as s:
        return list((await s.execute(select(IdempotencyKey))).scalars())


async def test_a_retry_replays_the_first_response_and_creates_nothing_new(app, client):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/api/v1/orgs", json=_org("幂等测试旗"), headers=key)
    again = await client.post("/api/v1/orgs", json=_org("幂等测试旗"), headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"] == f"/api/v1/orgs/{first.json()['id']}"
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await _count_orgs(app, "幂等测试旗") == 1
    # without a key, the same body is a new request
    assert (await client.post("/api/v1/orgs", json=_org("幂等测试旗"))).status_code == 201
    assert await _count_orgs(app, "幂等测试旗") == 2


async def test_the_same_key_with_another_body_is_422_and_writes_nothing(app, client):
    key = {"Idempotency-Key": "order-7"}
    assert (await client.post("/api/v1/orgs", json=_org("甲旗"), headers=key)).status_code == 201
    r = await client.post("/api/v1/orgs", json=_org("乙旗"), headers=key)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "idempotency_key_reused"
    assert "幂等键" in err["message"] and "Idempotency-Key" in err["message_en"]
    assert await _count_orgs(app, "乙旗") == 0
    # the same key on another endpoint is another request too
    r = await client.post("/api/v1/rounds", json={"name": "x"}, headers=key)
    assert r.status_code == 422 and r.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_failed_request_keeps_nothing_so_its_retry_runs(app, client):
    key = {"Idempotency-Key": "retry-after-fix"}
    bad = await client.post("/api/v1/orgs", json={"name": "丙旗", "kind": "county", "parent_id": 999999}, headers=key)
    assert bad.status_code == 422
    assert await _keys(app) == []
    good = await client.post("/api/v1/orgs", json=_org("丙旗"), headers=key)
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers
    assert await _count_orgs(app, "丙旗") == 1


async def test_keys_belong_to_their_caller(app, client, signin):
    """Another principal's identical key is its own: it neither replays nor refuses ours."""
    made = await client.post(
        "/api/v1/users",
        json={"username": "second_admin", "password": "Second-admin-pw1", "org_id": 1, "role": "office_admin"},
    )
    assert made.status_code == 201, made.text
    other = await signin("second_admin", "Second-admin-pw1")
    change = {"current_password": "Second-admin-pw1", "new_password": "Second-admin-pw2"}  # set by an admin
    assert (await other.post("/api/v1/me/password", json=change)).status_code == 204
    key = {"Idempotency-Key": "shared-key"}
    a = await client.post("/api/v1/orgs", json=_org("丁旗"), headers=key)
    b = await other.post("/api/v1/orgs", json=_org("丁旗"), headers=key)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert "idempotent-replayed" not in b.headers


async def test_an_invalid_key_is_422(client):
    r = await client.post("/api/v1/orgs", json=_org("戊旗"), headers={"Idempotency-Key": "x" * 256})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_idempotency_key"
    assert r.json()["error"]["message"] and r.json()["error"]["message_en"]


async def test_keys_expire_after_a_day_and_are_purged(app, client):
    key = {"Idempotency-Key": "yesterday"}
    assert (await client.post("/api/v1/orgs", json=_org("己旗"), headers=key)).status_code == 201
    async with app.state.rectify.write_sessions() as s:
        await s.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
        await s.commit()
    # an expired key is free again: the new request runs (another body is no longer "reused")
    r = await client.post("/api/v1/orgs", json=_org("庚旗"), headers=key)
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    # and keeping a new response purges the expired rows
    await client.post("/api/v1/orgs", json=_org("辛旗"), headers={"Idempotency-Key": "fresh"})
    rows = await _keys(app)
    assert all(row.created_at > utcnow() - timedelta(hours=24) for row in rows)
    assert {row.key for row in rows} == {"yesterday", "fresh"}


async def test_fifty_concurrent_duplicates_have_one_effect(app, client):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    issue = (await client.get("/api/v1/issues?limit=1")).json()["items"][0]["id"]
    body = {"text": "并发重复提交的进展"}
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/issues/{issue}/progress", json=body, headers=key) for _ in range(50))
    )
    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409}, [r.text for r in responses if r.status_code not in (201, 409)]
    created = [r.json() for r in responses if r.status_code == 201]
    assert created and all(c == created[0] for c in created)
    originals = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(originals) == 1  # one did the work; the rest replayed it (or were told to retry)
    assert all(r.json()["error"]["code"] == "idempotency_in_progress" for r in responses if r.status_code == 409)
    progress = (await client.get(f"/api/v1/issues/{issue}/progress")).json()["items"]
    assert sum(p["text"] == body["text"] for p in progress) == 1


async def test_openapi_documents_the_header_on_authenticated_posts(app):
    doc = app.openapi()
    params = doc["paths"]["/api/v1/issues"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
    token = doc["paths"]["/api/v1/auth/token"]["post"].get("parameters", [])
    assert not any(p["name"] == "Idempotency-Key" for p in token)
