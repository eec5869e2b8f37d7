from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from .types import JSONType, PathString, UTCDateTime, utcnow


class OutboxEvent(SQLModel, table=True):
    """The transactional outbox: written in the same transaction as the change it describes.

    A relay gives each committed row a `position` (the commit order the change feed serves)
    and publishes it to Redis; `published_at` records that. Append-only; partitionable by month.

    Writers (each in the transaction of its own change; the type and payload of every row are
    `rectify_shared.events`): issues-api (the ledger's changes and the internal requests), the
    notifier (the escalation events of its scan), the report worker (`report.done`). The relay in
    issues-api alone sets `position` and `published_at`.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_position", "position", unique=True),
        # the relay's two work lists stay small however long the table grows
        Index(
            "ix_outbox_unpositioned",
            "id",
            postgresql_where=text("position IS NULL"),
            sqlite_where=text("position IS NULL"),
        ),
        Index(
            "ix_outbox_unpublished",
            "position",
            postgresql_where=text("published_at IS NULL AND position IS NOT NULL"),
            sqlite_where=text("published_at IS NULL AND position IS NOT NULL"),
        ),
    )

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, primary_key=True)
    event_type: str = Field(max_length=60)
    aggregate_type: str = Field(max_length=40)
    aggregate_id: int = Field(sa_type=BigInteger)
    org_path: str | None = Field(default=None, sa_type=PathString)
    #: part of the public change feed (ledger changes) or internal (e.g. a report request)
    in_feed: bool = True
    payload: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    request_id: str | None = Field(default=None, max_length=64)
    position: int | None = Field(default=None, sa_type=BigInteger)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
