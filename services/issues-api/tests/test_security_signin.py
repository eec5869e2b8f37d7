"""Issue 19's sign-in findings, one test each: #7, #10, #13, #14, #15, #18, #22."""

import asyncio
import os
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

import httpx
import jwt
from sqlalchemy import func, select, text, update

from issues_api.auth import passwords
from rectify_shared.models import AuthSession, LoginFailure
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

TOKEN = "/api/v1/auth/token"


def client_from(app: Any, addr: str, **headers: str) -> httpx.AsyncClient:
    """An HTTP client whose socket peer is `addr`."""
    transport = httpx.ASGITransport(app=app, client=(addr, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://rectify.test", headers=headers)


async def audit(client: Any, action: str) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/audit?action={action}&limit=200")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def sign_in(c: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await c.post(TOKEN, data={"username": username, "password": password})


async def test_finding_07_failed_logins_throttles_and_revocations_are_audited(app, client, anon, helpers):
    limit = app.state.rectify.settings.login_max_failures
    for _ in range(limit):
        assert (await sign_in(anon, "leader", "wrong-guess")).status_code == 401
    assert (await sign_in(anon, "leader", helpers.DEMO_PASSWORD)).status_code == 429
    failed = await audit(client, "auth.login_failed")
    assert len(failed) == limit and {r["after"]["username"] for r in failed} == {"leader"}
    assert failed[0]["after"]["reason"] == "wrong password"
    throttled = await audit(client, "auth.throttled")
    assert len(throttled) == 1 and throttled[0]["after"]["username"] == "leader"
    # failure counts expire by time: the window passes, the right password works again
    window = timedelta(minutes=app.state.rectify.settings.login_window_minutes + 1)
    async with app.state.rectify.write_sessions() as s:
        await s.execute(update(LoginFailure).values(at=utcnow() - window))
        await s.commit()
    ok = await sign_in(anon, "leader", helpers.DEMO_PASSWORD)
    assert ok.status_code == 200
    # and a successful login no longer deletes the failures (the evidence stays)
    async with app.state.rectify.read_sessions() as s:
        kept = (await s.execute(select(func.count()).select_from(LoginFailure))).scalar_one()
    assert kept == limit
    leader = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://rectify.test",
        headers={"Authorization": f"Bearer {ok.json()['access_token']}"},
    )
    async with leader:
        assert (await leader.post("/api/v1/auth/logout")).status_code == 204
    revoked = await audit(client, "auth.session_revoked")
    assert [r["after"]["reason"] for r in revoked] == ["logout"]


async def test_finding_10_forwarded_for_counts_only_from_a_trusted_proxy(app, client, demo_round, helpers):
    limit = app.state.rectify.settings.login_max_failures
    # an untrusted peer rotating X-Forwarded-For is still one client, and audited as itself
    for n in range(limit):
        async with client_from(app, "203.0.113.7", **{"X-Forwarded-For": f"198.51.100.{n}"}) as c:
            assert (await sign_in(c, "leader", "wrong-guess")).status_code == 401
    async with client_from(app, "203.0.113.7", **{"X-Forwarded-For": "198.51.100.99"}) as c:
        assert (await sign_in(c, "leader", helpers.DEMO_PASSWORD)).status_code == 429
    failed = await audit(client, "auth.login_failed")
    assert {r["client_addr"] for r in failed} == {"203.0.113.7"}
    # behind a trusted proxy (the ingress), each real client is counted on its own
    app.state.rectify.settings.trusted_proxies = "10.0.0.0/8"
    for _ in range(limit):
        async with client_from(app, "10.0.0.2", **{"X-Forwarded-For": "198.51.100.1, 10.0.0.9"}) as c:
            assert (await sign_in(c, "abgq", "wrong-guess")).status_code == 401
    async with client_from(app, "10.0.0.2", **{"X-Forwarded-For": "198.51.100.1"}) as c:
        assert (await sign_in(c, "abgq", helpers.DEMO_PASSWORD)).status_code == 429
    async with client_from(app, "10.0.0.2", **{"X-Forwarded-For": "198.51.100.2"}) as c:
        assert (await sign_in(c, "abgq", helpers.DEMO_PASSWORD)).status_code == 200
    records = [r for r in await audit(client, "auth.login_failed") if r["after"]["username"] == "abgq"]
    assert {r["client_addr"] for r in records} == {"198.51.100.1"}
    assert all(r["peer_chain"] == "peer=10.0.0.2; xff=198.51.100.1, 10.0.0.9" for r in records)


async def test_finding_15_a_lockout_holds_one_client_not_the_account(app, demo_round, helpers):
    limit = app.state.rectify.settings.login_max_failures
    async with client_from(app, "192.0.2.66") as attacker:
        for _ in range(limit):
            assert (await sign_in(attacker, "admin", "wrong-guess")).status_code == 401
        assert (await sign_in(attacker, "admin", helpers.ADMIN_PASSWORD)).status_code == 429
    async with client_from(app, "192.0.2.10") as office:
        assert (await sign_in(office, "admin", helpers.ADMIN_PASSWORD)).status_code == 200


async def _tokens(app: Any, username: str, password: str, addr: str = "192.0.2.1") -> dict[str, Any]:
    async with client_from(app, addr) as c:
        r = await sign_in(c, username, password)
        assert r.status_code == 200, r.text
        tokens: dict[str, Any] = r.json()
        return tokens


def bearer(app: Any, tokens: dict[str, Any]) -> httpx.AsyncClient:
    return client_from(app, "192.0.2.1", Authorization=f"Bearer {tokens['access_token']}")


async def test_finding_13_logout_own_sessions_time_limits_and_no_raw_ids(app, client, anon, helpers):
    phone = await _tokens(app, "leader", helpers.DEMO_PASSWORD)
    desk = await _tokens(app, "leader", helpers.DEMO_PASSWORD)
    async with bearer(app, phone) as p, bearer(app, desk) as d:
        listed = (await d.get("/api/v1/me/sessions")).json()
        assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
        sid = jwt.decode(phone["access_token"], options={"verify_signature": False})["sid"]
        assert sid not in str(listed) and sid not in str((await client.get("/api/v1/audit?limit=200")).json())
        phone_ref = next(s["id"] for s in listed if not s["current"])
        assert (await d.delete(f"/api/v1/me/sessions/{phone_ref}")).status_code == 204
        assert (await p.get("/api/v1/me")).status_code == 401
        # another user cannot end it by its reference either
        other = await _tokens(app, "abgq", helpers.DEMO_PASSWORD)
        async with bearer(app, other) as o:
            desk_ref = next(s["id"] for s in listed if s["current"])
            assert (await o.delete(f"/api/v1/me/sessions/{desk_ref}")).status_code == 404
        # nor by the session id with a made-up refresh secret
        desk_sid = jwt.decode(desk["access_token"], options={"verify_signature": False})["sid"]
        r = await anon.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": f"{desk_sid}.made-up"})
        assert r.status_code == 401
        assert (await d.get("/api/v1/me")).status_code == 200
        assert (await d.post("/api/v1/auth/logout")).status_code == 204
        assert (await d.get("/api/v1/me")).status_code == 401
    settings = app.state.rectify.settings
    # idle: no refresh for longer than the idle timeout ends the session
    idle = await _tokens(app, "leader", helpers.DEMO_PASSWORD)
    async with app.state.rectify.write_sessions() as s:
        await s.execute(
            update(AuthSession)
            .where(AuthSession.revoked_at.is_(None))
            .values(last_used_at=utcnow() - timedelta(minutes=settings.session_idle_minutes + 1))
        )
        await s.commit()
    r = await anon.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": idle["refresh_token"]})
    assert r.status_code == 401
    # absolute: a session older than the limit ends, even while its access token is fresh
    aged = await _tokens(app, "leader", helpers.DEMO_PASSWORD)
    async with app.state.rectify.write_sessions() as s:
        await s.execute(
            update(AuthSession)
            .where(AuthSession.revoked_at.is_(None))
            .values(created_at=utcnow() - timedelta(hours=settings.session_max_hours, minutes=1))
        )
        await s.commit()
    async with bearer(app, aged) as a:
        assert (await a.get("/api/v1/me")).status_code == 401
    r = await anon.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": aged["refresh_token"]})
    assert r.status_code == 401


async def test_finding_14_password_policy_and_change_at_first_sign_in(app, client, demo_round):
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    org = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
    base = {"org_id": org, "role": "leader"}
    for weak in ("12345678", "password", "Short1!", "alllowercaseletters", "Password2024", "Xmeng-2024-new"):
        r = await client.post("/api/v1/users", json={**base, "username": "xmeng", "password": weak})
        assert r.status_code == 422, weak
        assert r.json()["error"]["code"] in ("weak_password", "validation_error"), r.text
    r = await client.post("/api/v1/users", json={**base, "username": "xmeng", "password": "Grassland-2024"})
    assert r.status_code == 201, r.text
    first = await _tokens(app, "xmeng", "Grassland-2024")
    assert first["must_change_password"] is True
    assert jwt.decode(first["access_token"], options={"verify_signature": False})["must_change_password"] is True
    async with bearer(app, first) as c:
        blocked = await c.get("/api/v1/me")
        assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "password_change_required"
        assert (await c.get("/api/v1/issues")).status_code == 403
        weak = await c.post("/api/v1/me/password", json={"current_password": "Grassland-2024", "new_password": "abc"})
        assert weak.status_code == 422
        r = await c.post(
            "/api/v1/me/password", json={"current_password": "Grassland-2024", "new_password": "Steppe-wind-77"}
        )
        assert r.status_code == 204
        assert (await c.get("/api/v1/me")).status_code == 200
    # an administrator's reset makes it due again
    uid = next(
        u["id"] for u in (await client.get("/api/v1/users?limit=200")).json()["items"] if u["username"] == "xmeng"
    )
    r = await client.post(f"/api/v1/users/{uid}/password", json={"new_password": "Temporary-key-9"})
    assert r.status_code == 204
    assert (await _tokens(app, "xmeng", "Temporary-key-9"))["must_change_password"] is True
    # the demo's own accounts are not asked (make run keeps admin/admin working)
    assert (await client.get("/api/v1/me")).status_code == 200


def test_finding_14_production_refuses_demo_passwords_and_placeholder_secrets(tmp_path):
    from issues_api.auth.startup import settings_problems

    pg = "postgresql://rectify@db.internal/rectify"
    base = {"data_dir": tmp_path, "database_url": pg}
    problems = settings_problems(Settings(**base, jwt_secret="CHANGE-ME"), loads_demo=True)  # type: ignore[arg-type]
    text_ = "\n".join(problems)
    assert "RECTIFY_JWT_SECRET" in text_ and "audit key" in text_ and "RECTIFY_ADMIN_PASSWORD" in text_
    assert settings_problems(Settings(data_dir=tmp_path)) == []  # type: ignore[call-arg]  # the embedded demo
    assert settings_problems(Settings(data_dir=tmp_path, env="production"))  # type: ignore[call-arg]
    good = Settings(**base, jwt_secret="q" * 48, audit_key="k" * 40)  # type: ignore[arg-type]
    assert settings_problems(good) == []
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": pg,
        "RECTIFY_JWT_SECRET": "change-me",
        "RECTIFY_DATA_DIR": str(tmp_path),
    }
    env.update({k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "VIRTUAL_ENV")})
    run = subprocess.run(
        [sys.executable, "-m", "issues_api.cli", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0 and "RECTIFY_JWT_SECRET" in run.stderr and "refuses to start" in run.stderr


async def test_finding_18_security_headers_and_private_docs(app, anon, demo_round, helpers, monkeypatch):
    r = await sign_in(anon, "admin", helpers.ADMIN_PASSWORD)
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
    assert (await anon.get("/healthz")).headers["x-content-type-options"] == "nosniff"
    docs = await anon.get("/api/v1/docs")
    assert docs.status_code == 200 and "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert docs.headers["x-frame-options"] == "DENY"
    app.state.rectify.settings.public_docs = False
    assert (await anon.get("/api/v1/docs")).status_code == 404
    assert (await anon.get("/api/v1/openapi.json")).status_code == 404
    # `rectify serve` runs uvicorn without its `server` header and without its own proxy handling
    import uvicorn

    from issues_api import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("RECTIFY_DATA_DIR", str(app.state.rectify.settings.data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert await asyncio.to_thread(cli.cmd_serve, None) == 0  # type: ignore[arg-type]
    assert seen["server_header"] is False and seen["proxy_headers"] is False


async def test_finding_22_argon2_off_the_loop_and_no_client_request_id_in_audit(app, client, anon, monkeypatch):
    threads: set[str] = set()
    running, peak = 0, 0
    original = passwords.verify

    def spy(password: str, password_hash: str) -> tuple[bool, str | None]:
        nonlocal running, peak
        threads.add(threading.current_thread().name)
        running += 1
        peak = max(peak, running)
        try:
            return original(password, password_hash)
        finally:
            running -= 1

    monkeypatch.setattr(passwords, "verify", spy)
    codes = await asyncio.gather(*(sign_in(anon, f"nobody{n}", "wrong-guess") for n in range(8)))
    assert {r.status_code for r in codes} == {401}
    assert threading.main_thread().name not in threads and 1 <= peak <= passwords.CONCURRENCY
    issue = (await client.get("/api/v1/issues?status=in_progress")).json()["items"][0]
    forged = "4f0c2a51d6b94e0f8d3c8f0a9b7e6d51"
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"goal": "x"}, headers={"X-Request-ID": forged})
    assert r.status_code == 200
    rec = (await client.get(f"/api/v1/audit?entity_type=issue&entity_id={issue['id']}")).json()["items"][0]
    assert rec["request_id"] and rec["request_id"] != forged


async def test_finding_07_a_session_ends_with_an_audit_record_naming_no_raw_id(app, client, signin):
    leader = await signin("leader")
    uid = (await leader.get("/api/v1/me")).json()["id"]
    assert (await client.patch(f"/api/v1/users/{uid}", json={"disabled": True})).status_code == 200
    rec = (await audit(client, "auth.session_revoked"))[0]
    assert rec["after"]["reason"] == "account disabled" and len(rec["after"]["sessions"][0]) == 16
    async with app.state.rectify.read_sessions() as s:
        sids = (await s.execute(text("SELECT id FROM auth_session"))).scalars().all()
    assert not any(sid in str(rec) for sid in sids)
