"""An escalation made by the scan reaches a real SMTP server, an SMS gateway that checks Aliyun's
signature, and a webhook receiver that checks the Standard Webhooks signature — each once.

The API runs in the test process (with its outbox relay); the notifier runs as its own process.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import String, cast, func, literal, select, update
from standardwebhooks import Webhook

from rectify_shared.models import Delivery, EventReceipt, Org, OutboxEvent

from .channel_servers import CapturingHandler, RawRequest, http_stub, smtp_server
from .sms_providers import KEY_ID, SECRET, aliyun_server

pytestmark = pytest.mark.e2e


async def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := await predicate():
            return value
        await asyncio.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_scanned_escalation_is_delivered_once_on_every_channel(app, client, settings, tmp_path: Path):
    received_hooks: list[tuple[str, dict]] = []
    secret_box: dict[str, str] = {}

    def webhook_receiver(req: RawRequest):
        Webhook(secret_box["secret"]).verify(req.body, req.headers)  # raises on a bad signature
        received_hooks.append((req.headers["webhook-id"], json.loads(req.body)))
        return 204, {}, b""

    mail = CapturingHandler()
    with smtp_server(mail) as smtp, http_stub(aliyun_server) as sms, http_stub(webhook_receiver) as hook:
        r = await client.post(
            "/api/v1/webhooks", json={"url": hook.url + "/rectify", "event_types": ["escalation.created"]}
        )
        assert r.status_code == 201
        secret_box["secret"] = r.json()["secret"]
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "RECTIFY_QUEUE_PREFIX": settings.queue_prefix,
            "RECTIFY_DATA_DIR": str(tmp_path),
            "RECTIFY_SMTP_HOST": "127.0.0.1",
            "RECTIFY_SMTP_PORT": str(smtp.port),
            "RECTIFY_SMTP_FROM": "rectify@xlgl.example.gov.cn",
            "RECTIFY_SMS_PROVIDER": "aliyun",
            "RECTIFY_SMS_URL": sms.url,
            "RECTIFY_SMS_ACCESS_KEY_ID": KEY_ID,
            "RECTIFY_SMS_ACCESS_KEY_SECRET": SECRET,
            "RECTIFY_SMS_SIGN_NAME": "锡林郭勒盟生态环境局",
            "RECTIFY_SMS_TEMPLATE_CODE": "SMS_123456789",
            "RECTIFY_SMS_QUIET_HOURS": "",
        }
        log = (tmp_path / "notifier.log").open("wb")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notifier", env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            async with app.state.rectify.write_sessions() as s:  # SMS goes to mobiles (the demo lists landlines)
                await s.execute(update(Org).values(mobile=literal("1394790") + cast(Org.id + 1000, String)))
                await s.commit()
            r = await client.post("/api/v1/escalations/scan", json={"as_of": "2026-03-31"})
            assert r.status_code == 202
            scan_url = r.headers["location"]

            async def scanned():
                body = (await client.get(scan_url)).json()
                return body if body["status"] == "done" else None

            scan = await _wait(scanned, 180, "the scan")  # the notifier process starts first: slow on a loaded machine
            assert scan["created"] > 0

            async def settled():
                async with app.state.rectify.read_sessions() as s:
                    open_rows = (
                        await s.execute(
                            select(func.count())
                            .select_from(Delivery)
                            .where(Delivery.state.in_(("pending", "sending", "scheduled")))
                        )
                    ).scalar_one()
                    total = (await s.execute(select(func.count()).select_from(Delivery))).scalar_one()
                    # every feed event (the demo's, the scan's) handled: no delivery is still to be planned
                    events = (
                        await s.execute(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.in_feed))
                    ).scalar_one()
                    handled = (await s.execute(select(func.count()).select_from(EventReceipt))).scalar_one()
                return total > 0 and open_rows == 0 and handled >= events

            await _wait(settled, 180, "every delivery to be sent")
            await asyncio.sleep(1.0)  # anything sent twice would arrive now
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 15)
            log.close()

        async with app.state.rectify.read_sessions() as s:
            rows = (await s.execute(select(Delivery))).scalars().all()
        by_channel = {ch: [d for d in rows if d.channel == ch] for ch in ("email", "sms", "webhook", "inbox")}
        assert all(d.state == "sent" for d in rows), [
            (d.channel, d.state, d.last_error) for d in rows if d.state != "sent"
        ]
        issued = [e for e in (await client.get("/api/v1/escalations?state=issued&limit=200")).json()["items"]]
        assert issued and by_channel["email"] and by_channel["sms"] and by_channel["webhook"] and by_channel["inbox"]

        # email: once per delivery, Chinese subject and body decoded correctly
        assert len(mail.messages) == len(by_channel["email"])
        ids = [m[2]["Message-ID"] for m in mail.messages]
        assert len(set(ids)) == len(ids)
        for _from, to, msg, _raw in mail.messages:
            assert any(level in msg["Subject"] for level in ("预警", "通报", "督办", "约谈")), msg["Subject"]
            assert "第" in msg.get_content() and to
        # SMS: every request carried a valid ACS3 signature (the gateway answered 200), once per delivery
        out_ids = [dict(parse_qsl(urlsplit(req.raw_path).query))["OutId"] for req in sms.requests]
        assert len(out_ids) == len(set(out_ids)) == len(by_channel["sms"])
        assert all(
            dict(parse_qsl(urlsplit(req.raw_path).query))["SignName"] == "锡林郭勒盟生态环境局" for req in sms.requests
        )
        # webhooks: signatures verified by the receiver, one per escalation created and issued at once
        hook_ids = [h[0] for h in received_hooks]
        assert len(hook_ids) == len(set(hook_ids)) == len(by_channel["webhook"])
        assert {h[1]["type"] for h in received_hooks} == {"escalation.created"}
        # every escalation the scan created was announced once to the subscriber
        assert sorted(h[1]["data"]["id"] for h in received_hooks) == sorted(
            e["id"] for e in (await client.get("/api/v1/escalations?limit=200")).json()["items"]
        )
        assert len(received_hooks) == scan["created"]
