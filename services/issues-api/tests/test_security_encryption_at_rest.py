"""Issue 19 finding #21: contacts and secrets are encrypted at rest (SM4-GCM) with a key kept
outside the database; the API still answers them to the callers allowed to see them."""

from typing import Any

import pytest
from sqlalchemy import text

from rectify_shared import data_keys
from rectify_shared.data_keys import DataKeyError, DataKeys

MOBILE, EMAIL = "13904795678", "xlgl-office@example.gov.cn"


async def raw(app: Any, sql: str, **params: Any) -> Any:
    """The row as stored, bypassing the column types."""
    async with app.state.rectify.read_sessions() as s:
        return (await s.execute(text(sql), params)).one()


async def test_finding_21_contacts_and_secrets_are_stored_encrypted_and_answered_in_clear(client, anon, app):
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    league = orgs["锡林郭勒盟"]
    r = await client.patch(f"/api/v1/orgs/{league['id']}", json={"mobile": MOBILE, "contact_email": EMAIL})
    assert r.status_code == 200, r.text
    mobile, email = await raw(app, "SELECT mobile, contact_email FROM org WHERE id = :i", i=league["id"])
    for stored, plain in ((mobile, MOBILE), (email, EMAIL)):
        assert stored.startswith("enc1:") and plain not in stored
    assert data_keys.installed() is not None and data_keys.installed().is_current(mobile)
    got = (await client.get(f"/api/v1/orgs/{league['id']}")).json()
    assert (got["mobile"], got["contact_email"]) == (MOBILE, EMAIL)

    body = {"username": "enc_user", "password": "Set-by-admin-2026", "org_id": league["id"], "role": "leader"}
    r = await client.post("/api/v1/users", json={**body, "phone": "13904790001", "email": "leader@example.gov.cn"})
    assert r.status_code == 201, r.text
    phone, mail = await raw(app, "SELECT phone, email FROM user_account WHERE username = 'enc_user'")
    assert "13904790001" not in phone and "leader@" not in mail and phone.startswith("enc1:")
    listed = (await client.get(f"/api/v1/users/{r.json()['id']}")).json()
    assert (listed["phone"], listed["email"]) == ("13904790001", "leader@example.gov.cn")

    key = (await client.post("/api/v1/api-keys", json={"name": "自治区系统"})).json()["secret"]
    auth = {"Authorization": f"Bearer {key}"}
    hook = {"url": "http://127.0.0.1:9/hook", "event_types": ["issue.status_changed"]}
    created = (await anon.post("/api/v1/webhooks", headers=auth, json=hook)).json()
    (secret,) = await raw(app, "SELECT secret FROM webhook_subscription WHERE id = :i", i=created["id"])
    assert created["secret"].startswith("whsec_") and created["secret"] not in secret and secret.startswith("enc1:")
    # the notifier signs with the secret as created (read through the column type)
    from rectify_shared.models import WebhookSubscription

    async with app.state.rectify.read_sessions() as s:
        assert (await s.get(WebhookSubscription, created["id"])).secret == created["secret"]


def test_finding_21_sm4_gcm_values_rotate_and_refuse_tampering_or_unknown_keys():
    old, new = DataKeys("old-key-" + "a" * 40), DataKeys("new-key-" + "b" * 40, ["old-key-" + "a" * 40])
    stored = old.encrypt("13904795678")
    assert stored.startswith(f"enc1:{old.current_id}:") and old.encrypt("13904795678") != stored  # fresh nonce
    assert new.decrypt(stored) == "13904795678" and not new.is_current(stored)  # rotation: old keys still read
    assert new.is_current(new.encrypt("x"))
    with pytest.raises(DataKeyError, match="not configured"):
        DataKeys("another-key-" + "c" * 40).decrypt(stored)
    head, _, body = stored.rpartition(":")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DataKeyError, match="does not decrypt"):
        old.decrypt(f"{head}:{flipped}")
    with pytest.raises(DataKeyError, match="shorter"):
        DataKeys("short")


async def test_finding_21_plaintext_from_before_is_encrypted_by_migrate_and_old_keys_are_rewritten(app, client):
    """`rectify migrate`'s pass (and migration 20261207_22): plaintext rows and rows under a
    former key end under the current key, readable as before."""
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    a, b = orgs["锡林郭勒盟"]["id"], orgs["内蒙古自治区"]["id"]
    current = data_keys.installed()
    assert current is not None
    former = DataKeys("former-key-" + "f" * 40)
    async with writer(app).begin() as conn:
        await conn.execute(text("UPDATE org SET mobile = '13900000001' WHERE id = :i"), {"i": a})  # plaintext
        await conn.execute(
            text("UPDATE org SET mobile = :m WHERE id = :i"), {"m": former.encrypt("13900000002"), "i": b}
        )
    rotated = DataKeys(*_secrets(current), ["former-key-" + "f" * 40])
    async with writer(app).begin() as conn:
        changed = await conn.run_sync(lambda c: data_keys.reencrypt_sync(c, [("org", "mobile", ("id",))], rotated))
    assert changed >= 2
    for org_id, plain in ((a, "13900000001"), (b, "13900000002")):
        (stored,) = await raw(app, "SELECT mobile FROM org WHERE id = :i", i=org_id)
        assert current.is_current(stored) and plain not in stored
        assert (await client.get(f"/api/v1/orgs/{org_id}")).json()["mobile"] == plain


def writer(app):
    """The app's engine for a writing transaction (SQLite: BEGIN IMMEDIATE, so the app's own background
    writers make it wait, not fail with "database is locked")."""
    from rectify_shared.db import WRITE_OPTION

    return app.state.rectify.engine.execution_options(**{WRITE_OPTION: True})


def _secrets(keys: DataKeys) -> tuple[str]:
    import os

    return (os.environ["RECTIFY_DATA_KEY"],)
