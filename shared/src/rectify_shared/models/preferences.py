"""Per-user notification preferences and SMS delivery receipts (both owned by issues-api).

The notifier reads preferences when it plans a user's messages; `GET /deliveries` reads the
receipts beside the delivery rows they name (matched by the provider's message id, or the
idempotency key the provider echoes back), so a receipt that arrives before the sender
recorded the provider's id is never lost.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from ..data_keys import EncryptedString
from .types import JSONType, UTCDateTime, utcnow


class NotificationPreference(SQLModel, table=True):
    """How a user wants one kind of event on one channel: immediate | digest | off.

    `event_type` is an event type or "*"; `level` ("" = every level) narrows an escalation
    preference to one rung of the ladder. No row: the default (inbox immediate, email/SMS off).
    """

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    event_type: str = Field(sa_type=String(60), primary_key=True)
    level: str = Field(default="", sa_type=String(12), primary_key=True)
    channel: str = Field(sa_type=String(10), primary_key=True)  # inbox | email | sms
    mode: str = Field(sa_type=String(10))  # immediate | digest | off
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeliveryReceipt(SQLModel, table=True):
    """A provider's report that a handset got (or never got) an SMS. Append-only; the
    received time is in the primary key so the table can be partitioned by month."""

    __tablename__ = "delivery_receipt"
    __table_args__ = (
        Index("ix_delivery_receipt_message", "provider_message_id"),
        Index("ix_delivery_receipt_key", "idempotency_key"),
    )

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, primary_key=True)
    provider: str = Field(sa_type=String(10))  # aliyun | tencent | generic
    provider_message_id: str | None = Field(default=None, max_length=200)
    #: the delivery's idempotency key when the provider echoes it (Aliyun `out_id`, generic `id`)
    idempotency_key: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, sa_type=EncryptedString)  # encrypted at rest (#21)
    status: str = Field(sa_type=String(12))  # delivered | undelivered
    error_code: str | None = Field(default=None, max_length=100)
    error_message: str | None = Field(default=None, max_length=500)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    raw: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
