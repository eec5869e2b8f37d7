"""Signing in, scope, tokens, revocation, throttling and API keys, as users meet them."""

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from issues_api.auth import tokens
from issues_api.demo.loader import read_demo
from rectify_shared.models import UserAccount

DEMO = read_demo()


def expected_seqs(org_key: str) -> list[int]:
    return sorted(
        i["seq"] for i in DEMO["issues"] if org_key == i["lead_org"] or org_key in i.get("responsible_orgs", [])
    )


async def test_a_county_operator_sees_only_its_own_tasks(client, signin, demo_round):
    county = await signin("abgq")  # 阿巴嘎旗
    mine = expected_seqs("abgq")
    assert mine  # the demo gives 阿巴嘎旗 work (problem 11)
    items = (await county.get(f"/api/v1/issues?round_id={demo_round}&limit=200")).json()["items"]
    assert [i["seq"] for i in items] == mine
    paged, cursor = [], None
    while True:
        page = (await county.get("/api/v1/issues?limit=1" + (f"&cursor={cursor}" if cursor else ""))).json()
        paged += [i["seq"] for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert paged == mine
    all_ids = {i["seq"]: i["id"] for i in (await client.get("/api/v1/issues?limit=200")).json()["items"]}
    for seq, issue_id in all_ids.items():
        r = await county.get(f"/api/v1/issues/{issue_id}")
        assert r.status_code == (200 if seq in mine else 404), seq
    stats = (await county.get(f"/api/v1/stats/issues?round_id={demo_round}")).json()
    assert stats["total"] == len(mine)
    # a filter naming another org finds nothing of it, and the org itself is not there to ask about
    other = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    sibling = next(o["id"] for o in other if o["name"] == "锡林浩特市")
    assert (await county.get(f"/api/v1/issues?org_id={sibling}")).status_code == 404
    # and it may not write the ledger
    assert (await county.patch(f"/api/v1/issues/{all_ids[mine[0]]}", json={"goal": "x"})).status_code == 403
    me = (await county.get("/api/v1/me")).json()
    assert me["role"] == "unit_operator" and me["org"]["name"] == "阿巴嘎旗"


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(anon, demo_round, helpers):
    r = await anon.post("/api/v1/auth/token", data={"username": "leader", "password": helpers.DEMO_PASSWORD})
    first = r.json()
    assert first["token_type"] == "bearer" and first["expires_in"] == 15 * 60
    r = await anon.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    ok = await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert ok.status_code == 200
    # the old refresh token comes back: someone copied it, so the whole session ends
    r = await anon.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_grant"
    dead = await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert dead.status_code == 401
    assert "revoked" in dead.json()["error"]["message_en"].lower()


async def test_expired_and_forged_tokens_are_401(app, anon, demo_round):
    state = app.state.rectify
    async with state.read_sessions() as s:
        user = (await s.execute(select(UserAccount).where(UserAccount.username == "leader"))).scalar_one()
    stale = tokens.create_access_token(
        state.jwt_secret, user.id, "nosession", 15, now=datetime.now(UTC) - timedelta(hours=1)
    )
    r = await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {stale}"})
    assert r.status_code == 401 and r.json()["error"]["message_en"] == "Access token expired"
    forged = tokens.create_access_token("some-other-secret", user.id, "nosession", 15)
    r = await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["error"]["message_en"] == "Invalid access token"


async def test_disabling_a_user_stops_their_token_at_once(client, signin):
    leader = await signin("leader")
    assert (await leader.get("/api/v1/me")).status_code == 200
    users = (await client.get("/api/v1/users?limit=200")).json()["items"]
    leader_id = next(u["id"] for u in users if u["username"] == "leader")
    r = await client.patch(f"/api/v1/users/{leader_id}", json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert (await leader.get("/api/v1/me")).status_code == 401
    me = (await client.get("/api/v1/me")).json()
    assert (await client.patch(f"/api/v1/users/{me['id']}", json={"disabled": True})).status_code == 409


async def test_password_change_and_admin_reset(client, signin, anon, helpers):
    first = await signin("leader")
    second = await signin("leader")
    r = await first.post("/api/v1/me/password", json={"current_password": "wrong", "new_password": "Fresh-pass-2024"})
    assert r.status_code == 422
    r = await first.post(
        "/api/v1/me/password", json={"current_password": helpers.DEMO_PASSWORD, "new_password": "Fresh-pass-2024"}
    )
    assert r.status_code == 204
    assert (await first.get("/api/v1/me")).status_code == 200  # this session goes on
    assert (await second.get("/api/v1/me")).status_code == 401  # the others are signed out
    old = await anon.post("/api/v1/auth/token", data={"username": "leader", "password": helpers.DEMO_PASSWORD})
    assert old.status_code == 401
    users = (await client.get("/api/v1/users?limit=200")).json()["items"]
    leader_id = next(u["id"] for u in users if u["username"] == "leader")
    assert (
        await client.post(f"/api/v1/users/{leader_id}/password", json={"new_password": "Reset-by-admin-1"})
    ).status_code == 204
    assert (await first.get("/api/v1/me")).status_code == 401
    r = await anon.post("/api/v1/auth/token", data={"username": "leader", "password": "Reset-by-admin-1"})
    assert r.status_code == 200


async def test_password_guessing_is_throttled(app, anon, demo_round, helpers):
    limit = app.state.rectify.settings.login_max_failures
    for _ in range(limit):
        r = await anon.post("/api/v1/auth/token", data={"username": "leader", "password": "guess"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"
    r = await anon.post("/api/v1/auth/token", data={"username": "leader", "password": helpers.DEMO_PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["code"] == "login_throttled"
    assert int(r.headers["retry-after"]) == app.state.rectify.settings.login_window_minutes * 60
    # another account is not locked by it
    r = await anon.post("/api/v1/auth/token", data={"username": "abgq", "password": helpers.DEMO_PASSWORD})
    assert r.status_code == 200
    # an unknown user fails the same way a wrong password does
    r = await anon.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"


async def test_an_outdated_password_hash_is_upgraded_at_sign_in(app, anon, demo_round, helpers):
    from pwdlib.hashers.argon2 import Argon2Hasher

    weak = Argon2Hasher(time_cost=1, memory_cost=8192).hash(helpers.DEMO_PASSWORD)
    async with app.state.rectify.write_sessions() as s:
        await s.execute(text("UPDATE user_account SET password_hash = :h WHERE username = 'leader'"), {"h": weak})
        await s.commit()
    r = await anon.post("/api/v1/auth/token", data={"username": "leader", "password": helpers.DEMO_PASSWORD})
    assert r.status_code == 200
    async with app.state.rectify.read_sessions() as s:
        stored = (
            await s.execute(text("SELECT password_hash FROM user_account WHERE username = 'leader'"))
        ).scalar_one()
    assert stored != weak and "t=1," not in stored and stored.startswith("$argon2id$")


async def test_api_keys_are_shown_once_scoped_and_revocable(app, client, anon):
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    xlgl = next(o["id"] for o in orgs if o["name"] == "锡林郭勒盟")
    r = await client.post("/api/v1/api-keys", json={"name": "自治区督察整改系统", "org_id": xlgl})
    assert r.status_code == 201
    created = r.json()
    secret = created["secret"]
    assert secret.startswith("rk_") and secret not in str((await client.get("/api/v1/api-keys")).json())
    key = {"Authorization": f"Bearer {secret}"}
    assert (await anon.get("/api/v1/changes", headers=key)).status_code == 200
    assert (await anon.get("/api/v1/issues", headers=key)).status_code == 200
    assert (
        await anon.post("/api/v1/orgs", headers=key, json={"name": "x", "kind": "county", "parent_id": xlgl})
    ).status_code == 403
    assert (await anon.get("/api/v1/changes", headers={"Authorization": f"Bearer {secret}x"})).status_code == 401
    assert (await client.post(f"/api/v1/api-keys/{created['id']}/revoke")).status_code == 200
    assert (await anon.get("/api/v1/changes", headers=key)).status_code == 401
    bad = await client.post("/api/v1/api-keys", json={"name": "x", "role": "office_admin"})
    assert bad.status_code == 422


async def test_rate_limit_holds_and_fails_open(db_url, redis_url, queue_prefix, tmp_path, helpers):
    from issues_api.main import create_app
    from rectify_shared.settings import Settings

    for url, expect_limited in ((redis_url, True), ("redis://127.0.0.1:1/0", False)):
        app = create_app(
            Settings(
                database_url=db_url,
                redis_url=url,
                data_dir=tmp_path,
                queue_prefix=queue_prefix + url[-3:],
                rate_limit="3/minute",
            ),
            run_relay=False,
        )
        async with app.router.lifespan_context(app):
            if expect_limited:
                await helpers.load_demo_into(app)
            c = await helpers.login(app, "leader", helpers.DEMO_PASSWORD)
            try:
                codes = [(await c.get("/api/v1/me")).status_code for _ in range(5)]
            finally:
                await c.aclose()
        if expect_limited:
            assert codes == [200, 200, 200, 429, 429]
        else:
            assert codes == [200] * 5  # Redis down: nobody is locked out


async def test_every_write_is_audited_and_the_chain_verifies(client, app, db_url):
    import uuid

    issues = (await client.get("/api/v1/issues?status=in_progress")).json()["items"]
    target = issues[0]
    request_id = uuid.uuid4().hex
    r = await client.patch(
        f"/api/v1/issues/{target['id']}",
        json={"status": "completed", "reason": "整改办核定"},
        headers={"X-Request-ID": request_id},
    )
    assert r.status_code == 200
    records = (await client.get(f"/api/v1/audit?entity_type=issue&entity_id={target['id']}")).json()["items"]
    assert len(records) == 1
    rec = records[0]
    assert rec["actor"] == "admin" and rec["action"] == "issue.updated"
    # the server's own request id, never the client's X-Request-ID (finding 22)
    assert rec["request_id"] and rec["request_id"] != request_id
    assert (
        rec["before"] == {"status": "in_progress", "on_schedule": target["on_schedule"]}
        or rec["before"]["status"] == "in_progress"
    )
    assert rec["after"]["status"] == "completed"
    assert rec["client_addr"]
    if not db_url.startswith("sqlite"):
        return  # the CLI run below is the SQLite file case; PostgreSQL tampering is in test_audit_trail
    env = {
        **os.environ,
        "DATABASE_URL": db_url.replace("sqlite+aiosqlite", "sqlite"),
        "RECTIFY_DATA_DIR": str(app.state.rectify.settings.data_dir),  # where the audit key is
    }
    verify = [sys.executable, "-m", "issues_api.cli", "audit", "verify"]
    ok = await asyncio.to_thread(subprocess.run, verify, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    async with app.state.rectify.write_sessions() as s:
        # someone with the database file drops the append-only trigger first
        await s.execute(text("DROP TRIGGER audit_record_append_only_update"))
        await s.execute(text("UPDATE audit_record SET actor = 'someone-else' WHERE action = 'issue.updated'"))
        await s.commit()
    bad = await asyncio.to_thread(subprocess.run, verify, env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert rec["id"] in bad.stdout


def test_a_verified_token_is_remembered_only_until_it_expires():
    """Verification is cached per token (the hot path), but never past the token's expiry, and a
    token signed with another secret never matches a remembered one."""
    import time

    import jwt
    import pytest

    now = datetime.now(UTC)
    token = tokens.create_access_token("secret-a", 7, "sid-1", 1, now=now - timedelta(seconds=59))
    assert tokens.decode_access_token("secret-a", token)["sub"] == "7"
    assert tokens.decode_access_token("secret-a", token)["sid"] == "sid-1"  # now from memory
    with pytest.raises(jwt.InvalidSignatureError):
        tokens.decode_access_token("secret-b", token)
    time.sleep(max(0.0, (now + timedelta(seconds=1.2) - datetime.now(UTC)).total_seconds()))
    with pytest.raises(jwt.ExpiredSignatureError):
        tokens.decode_access_token("secret-a", token)
