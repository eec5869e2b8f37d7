"""Idempotency keys of POST requests: the first response, kept 24 h for a client that retries.

Owned by issues-api. A row is inserted *before* the request's work runs (`pending`): the unique
(principal, key) makes concurrent duplicates collide on the insert, so only one of them does the
work; the others wait for the row to become `done` and replay its response.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"
    __table_args__ = (
        Index("uq_idempotency_key_principal_key", "principal", "key", unique=True),
        Index("ix_idempotency_key_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: who sent it: "user:5", "api_key:3" — one client's key never replays another's response
    principal: str = Field(max_length=80)
    key: str = Field(max_length=255)
    #: SHA-256 of method, path, query and body: the same key with another request is refused
    request_hash: str = Field(sa_type=String(64))
    state: str = Field(default="pending", sa_type=String(10))  # pending | done
    status_code: int | None = None
    #: the replayed headers (content-type, location)
    response_headers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    response_body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
