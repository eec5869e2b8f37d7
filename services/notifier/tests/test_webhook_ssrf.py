"""Issue 19 finding #4 at delivery: internal targets are refused before any byte is sent, and a
receiver's answer body never reaches the delivery log."""

import pytest

from notifier.delivery.channels.base import OutgoingMessage, PermanentError
from notifier.delivery.channels.webhook import WebhookChannel, new_webhook_secret
from rectify_shared.settings import Settings

from .channel_servers import http_stub


def message(url: str) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id=7,
        idempotency_key="delivery-7",
        address=url,
        subject=None,
        body="",
        extra={"payload": {"id": "evt-7", "type": "x", "data": {}}, "secret": new_webhook_secret()},
    )


def channel(allow: str) -> WebhookChannel:
    return WebhookChannel(Settings(webhook_allow_networks=allow))  # type: ignore[call-arg]


@pytest.mark.parametrize("host", ["127.0.0.1", "0x7f000001", "2130706433", "localhost", "[::ffff:127.0.0.1]"])
async def test_finding_04_a_delivery_to_an_internal_address_is_refused_at_send(host):
    stub_calls = []
    with http_stub(lambda req: (stub_calls.append(req) or 204, {}, b"")) as stub:
        port = stub.url.rsplit(":", 1)[1]
        ch = channel("")
        with pytest.raises(PermanentError, match="refused"):
            await ch.send(message(f"http://{host}:{port}/hook"))
        await ch.aclose()
    assert stub_calls == []  # nothing reached the internal service
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]/"):
        with pytest.raises(PermanentError, match="refused"):
            await channel("").send(message(url))


async def test_finding_04_deliveries_keep_status_codes_not_response_bodies():
    secret_answer = {"internal": "db-password=hunter2"}
    with http_stub(lambda req: (403, {}, secret_answer)) as stub:
        ch = channel("127.0.0.0/8")  # an on-prem receiver, allowed explicitly
        with pytest.raises(PermanentError) as caught:
            await ch.send(message(stub.url + "/hook"))
        await ch.aclose()
    assert "403" in str(caught.value) and "hunter2" not in str(caught.value)
    assert stub.requests[0].headers["host"] == stub.url.split("//", 1)[1]  # sent to the checked address
