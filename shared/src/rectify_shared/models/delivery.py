"""Deliveries (owned by the notifier): every message is a row written before it is sent.

The unique key (event, recipient, channel, event month) makes a delivery happen once in
effect however often its event arrives; the month is in the key (and `created_at` in the
primary key) so the table can be partitioned by month.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from ..data_keys import EncryptedString
from .types import JSONType, PathString, UTCDateTime, utcnow


class Delivery(SQLModel, table=True):
    """One message to one recipient on one channel. Owner: the notifier, which plans, sends and
    moves every row along `rectify_shared.delivery_states`.

    Allowed foreign writers:
    * issues-api, `POST /deliveries/{id}/retry` (a person): `failed` → `pending`, with `attempts`,
      `next_attempt_at` and `provider_message_id` reset, in one guarded change that the state
      machine allows (`delivery_states.may_retry`). It stays a direct write, not a queued request:
      the notifier's sender claims `pending` rows by polling the table (no job per delivery), so
      the reset row is the request, and the person gets a synchronous 409 for a row not failed.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        Index("uq_delivery_once", "event_id", "recipient", "channel", "event_month", "created_at", unique=True),
        Index("ix_delivery_due", "state", "next_attempt_at"),
        Index("ix_delivery_org_path", "org_path", "created_at"),
    )

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, primary_key=True)
    event_id: str = Field(max_length=40)
    event_type: str = Field(max_length=60)
    event_month: str = Field(sa_type=String(7))  # "2024-12"
    channel: str = Field(sa_type=String(10))  # email | sms | webhook | inbox
    #: who: "org:12", "user:5", "leader:issue:9", "webhook:3"
    recipient: str = Field(max_length=80)
    address: str = Field(sa_type=EncryptedString)  # email address, phone number, URL, user id: encrypted (#21)
    org_path: str | None = Field(default=None, sa_type=PathString)
    subject: str | None = Field(default=None, max_length=300)
    body: str
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    #: pending | sending | sent | delivered | failed | scheduled (quiet hours) | suppressed
    #: | digest (waits for the recipient's daily digest) | digested (went out in digest `digest_id`)
    state: str = Field(sa_type=String(12))
    priority: str = Field(default="normal", sa_type=String(10))  # urgent | normal | low
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    #: sent to providers that de-duplicate (a resend after a crash is dropped there)
    idempotency_key: str = Field(max_length=80)
    provider_message_id: str | None = Field(default=None, max_length=200)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    receipt: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    digest_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class WebhookSubscription(SQLModel, table=True):
    """An integration client's subscription: signed POSTs of the event types it chose."""

    __tablename__ = "webhook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=500)
    #: the signing secret (`whsec_…`); shown once at creation. Kept to sign (HMAC needs it).
    secret: str = Field(sa_type=EncryptedString)  # encrypted at rest (#21)
    event_types: list[str] = Field(sa_column=Column(JSONType, nullable=False))
    org_id: int = Field(foreign_key="org.id")
    org_path: str = Field(sa_type=PathString, index=True)
    owner: str = Field(max_length=100)  # the principal that created it
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InboxMessage(SQLModel, table=True):
    """The in-app inbox of a user (web and mobile front ends read it). Owner: the notifier, which
    writes the messages.

    Allowed foreign writers:
    * issues-api, `POST /inbox/{id}/read` and `POST /inbox/read-all` (the user): `read_at` only,
      and only on the caller's own messages still unread. The notifier never reads or writes
      `read_at`, so the two writers never touch the same column.
    """

    __tablename__ = "inbox_message"
    __table_args__ = (Index("ix_inbox_user_created", "user_id", "created_at"),)

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    event_id: str = Field(max_length=40)
    event_type: str = Field(max_length=60)
    title: str = Field(max_length=300)
    body: str
    link: str | None = Field(default=None, max_length=300)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MessageTemplate(SQLModel, table=True):
    """An office's own wording for an event kind and channel (Jinja2, zh-CN); defaults ship in code."""

    __tablename__ = "message_template"

    event_type: str = Field(max_length=60, primary_key=True)
    channel: str = Field(sa_type=String(10), primary_key=True)
    #: the owning org's path: a message to an org uses its nearest ancestor's row ('/' = old default)
    org_path: str = Field(default="/", sa_type=PathString, primary_key=True, sa_column_kwargs={"server_default": "/"})
    subject: str | None = Field(default=None, max_length=300)
    body: str
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
