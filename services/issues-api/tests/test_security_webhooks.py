"""Issue 19 findings #4 (webhook SSRF, at subscription) and #5 (whose subscriptions a key manages)."""

from pathlib import Path
from typing import Any

import pytest

from rectify_shared.settings import Settings

INTERNAL = (
    "http://127.0.0.1:8000/hook",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://10.0.0.1/hook",
    "http://192.168.1.20/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://localhost:8000/hook",  # a DNS name resolving to loopback
)


@pytest.fixture
def settings(db_url: str, redis_url: str, queue_prefix: str, tmp_path: Path) -> Any:
    """No allow-list: what a deployment without on-prem receivers runs with."""
    return Settings(
        database_url=db_url,
        redis_url=redis_url,
        data_dir=tmp_path,
        queue_prefix=queue_prefix,
        webhook_allow_networks="",
    )  # type: ignore[call-arg]


async def test_finding_04_internal_webhook_urls_are_refused_unless_allowed(app, client):
    for url in INTERNAL:
        r = await client.post("/api/v1/webhooks", json={"url": url, "event_types": ["*"]})
        assert r.status_code == 422, url
        assert r.json()["error"]["details"][0]["field"] == "body.url"
    assert (await client.get("/api/v1/webhooks")).json()["items"] == []
    # an on-prem receiver is allowed explicitly, by network
    app.state.rectify.settings.webhook_allow_networks = "10.0.0.0/8"
    r = await client.post("/api/v1/webhooks", json={"url": "http://10.0.0.1/hook", "event_types": ["*"]})
    assert r.status_code == 201
    r = await client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1/hook", "event_types": ["*"]})
    assert r.status_code == 422


async def test_finding_05_a_key_manages_only_its_own_webhooks_and_revoking_it_stops_them(app, client, anon):
    hook = {"url": "http://93.184.216.34/hook", "event_types": ["*"]}  # a public address: nothing is sent here
    office_hook = (await client.post("/api/v1/webhooks", json=hook)).json()["id"]
    key = (await client.post("/api/v1/api-keys", json={"name": "自治区系统"})).json()
    auth = {"Authorization": f"Bearer {key['secret']}"}
    own = (await anon.post("/api/v1/webhooks", headers=auth, json=hook)).json()["id"]
    listed = (await anon.get("/api/v1/webhooks", headers=auth)).json()["items"]
    assert [w["id"] for w in listed] == [own]
    assert (await anon.post(f"/api/v1/webhooks/{office_hook}/disable", headers=auth)).status_code == 404
    # the office still sees and manages both
    assert {w["id"] for w in (await client.get("/api/v1/webhooks")).json()["items"]} == {office_hook, own}
    assert (await client.post(f"/api/v1/api-keys/{key['id']}/revoke")).status_code == 200
    active = {w["id"]: w["active"] for w in (await client.get("/api/v1/webhooks")).json()["items"]}
    assert active == {office_hook: True, own: False}
    reasons = [
        r["after"].get("reason") for r in (await client.get("/api/v1/audit?action=webhook.disabled")).json()["items"]
    ]
    assert reasons == ["owner API key revoked"]
