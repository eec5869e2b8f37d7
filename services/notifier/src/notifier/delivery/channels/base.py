"""The one small interface every delivery channel implements.

A channel sends one message and says what happened: a `SendResult` on success, a
`TransientError` when trying again later may work (5xx, timeouts, SMTP 4xx, connection
refused), a `PermanentError` when it never will (4xx, a bad address, a rejected template).
"""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    delivery_id: int
    #: passed to providers that de-duplicate, so a resend after a crash is dropped there
    idempotency_key: str
    address: str  # email address, phone number (E.164 or 11-digit), webhook URL
    subject: str | None
    body: str
    #: channel-specific extras: SMS template parameters, the webhook's JSON payload and secret, …
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    pass


class TransientError(DeliveryError):
    """Try again later (with backoff)."""


class PermanentError(DeliveryError):
    """Give up: the message is marked failed and shown to the office."""


class Channel(Protocol):
    name: str  # "email" | "sms" | "webhook"

    async def send(self, message: OutgoingMessage) -> SendResult: ...

    async def aclose(self) -> None: ...
