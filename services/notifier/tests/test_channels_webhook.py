"""WebhookChannel against a local receiver that verifies with the `standardwebhooks` package."""

import base64
import json
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from notifier.delivery.channels.base import OutgoingMessage, PermanentError, TransientError
from notifier.delivery.channels.webhook import WebhookChannel, new_webhook_secret
from rectify_shared.settings import Settings

from .channel_servers import RawRequest, free_port, http_stub

SECRET = new_webhook_secret()
ENVELOPE = {
    "id": "evt-31",
    "type": "issue.status_changed",
    "timestamp": "2025-03-04T05:06:07Z",
    "data": {"issue": 12, "title": "消防通道堵塞", "from": "in_progress", "to": "completed"},
}


class Receiver:
    def __init__(self, secret: str = SECRET) -> None:
        self.hook = Webhook(secret)
        self.statuses: list[int] = []  # answers to give, in order; then 204
        self.delivered: list[tuple[str, dict]] = []  # (webhook-id, payload) that verified

    def __call__(self, req: RawRequest):
        try:
            payload = self.hook.verify(req.body, req.headers)
        except WebhookVerificationError as exc:
            return 401, {}, {"error": str(exc)}
        self.delivered.append((req.headers["webhook-id"], payload))
        return (self.statuses.pop(0) if self.statuses else 204), {}, b""


def message(url: str, key: str = "delivery-31", secret: str = SECRET, payload: object = ENVELOPE) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id=31,
        idempotency_key=key,
        address=url,
        subject=None,
        body="",
        extra={"payload": payload, "secret": secret},
    )


def channel(timeout: float = 5.0) -> WebhookChannel:
    return WebhookChannel(Settings(webhook_timeout=timeout))  # type: ignore[call-arg]


async def test_a_delivery_verifies_with_standardwebhooks():
    receiver = Receiver()
    with http_stub(receiver) as stub:
        ch = channel()
        result = await ch.send(message(stub.url + "/hooks/rectify"))
        await ch.aclose()
    assert receiver.delivered == [("delivery-31", ENVELOPE)]
    req = stub.requests[0]
    assert req.raw_path == "/hooks/rectify"
    assert req.headers["content-type"] == "application/json"
    assert abs(int(req.headers["webhook-timestamp"]) - time.time()) < 60
    assert "消防通道堵塞" in req.body.decode()  # UTF-8 JSON, not \\u escapes
    assert result.provider_message_id == "delivery-31"


async def test_a_retry_carries_the_same_webhook_id():
    receiver = Receiver()
    receiver.statuses = [503]
    with http_stub(receiver) as stub:
        ch = channel()
        with pytest.raises(TransientError, match="503"):
            await ch.send(message(stub.url))
        await ch.send(message(stub.url))
        await ch.aclose()
    assert [d[0] for d in receiver.delivered] == ["delivery-31", "delivery-31"]


@pytest.mark.parametrize(
    "status, error",
    [(500, TransientError), (503, TransientError), (429, TransientError), (400, PermanentError),
     (404, PermanentError), (410, PermanentError), (301, PermanentError)],
)  # fmt: skip
async def test_answers_are_classified(status, error):
    receiver = Receiver()
    receiver.statuses = [status]
    with http_stub(receiver) as stub:
        with pytest.raises(error):
            await channel().send(message(stub.url))


async def test_a_wrong_secret_is_refused_by_the_receiver():
    receiver = Receiver()
    with http_stub(receiver) as stub:
        with pytest.raises(PermanentError, match="401"):
            await channel().send(message(stub.url, secret=new_webhook_secret()))
    assert receiver.delivered == []


async def test_a_slow_receiver_and_no_receiver_are_transient():
    with http_stub(Receiver()) as stub:
        stub.delay = 3.0
        with pytest.raises(TransientError):
            await channel(timeout=0.3).send(message(stub.url))
    with pytest.raises(TransientError):
        await channel().send(message(f"http://127.0.0.1:{free_port()}/"))


async def test_bad_urls_and_secrets_are_permanent():
    with pytest.raises(PermanentError):
        await channel().send(message("ftp://example.cn/hook"))
    with pytest.raises(PermanentError):
        await channel().send(message("http://127.0.0.1:1/", secret=""))
    with pytest.raises(PermanentError):
        await channel().send(message("http://127.0.0.1:1/", secret="whsec_***not base64***"))


async def test_a_preserialised_payload_is_sent_byte_for_byte():
    raw = json.dumps(ENVELOPE, ensure_ascii=True, indent=2)
    receiver = Receiver()
    with http_stub(receiver) as stub:
        await channel().send(message(stub.url, payload=raw))
    assert stub.requests[0].body == raw.encode()
    assert receiver.delivered[0][1] == ENVELOPE


def test_new_secrets_are_standard():
    secret = new_webhook_secret()
    assert secret.startswith("whsec_") and secret != new_webhook_secret()
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    Webhook(secret)  # accepted by the reference implementation
