"""The audit trail: append-only, hash-chained records of every write.

Each chain (one per acting org, so chains never serialise all writes) is a sequence of records
in which each record carries the hash of the one before; `audit_chain` holds each chain's head
so that a deleted tail is detected too. `created_at` is in the primary key (monthly partitions).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from .types import JSONType, PathString, UTCDateTime, utcnow


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"
    __table_args__ = (
        Index("ix_audit_chain_seq", "chain", "seq", "created_at", unique=True),
        Index("ix_audit_entity", "entity_type", "entity_id"),
        Index("ix_audit_org_path_created", "org_path", "created_at"),
    )

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, primary_key=True)
    chain: str = Field(sa_type=String(64))
    seq: int = Field(sa_type=BigInteger)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    hash_alg: str = Field(sa_type=String(20))
    actor: str = Field(max_length=100, index=True)
    actor_role: str | None = Field(default=None, sa_type=String(30))
    actor_org_id: int | None = None
    action: str = Field(max_length=60, index=True)
    entity_type: str = Field(max_length=40)
    entity_id: str = Field(max_length=40)
    #: the scope of the entity acted on (auditors see their subtree)
    org_path: str | None = Field(default=None, sa_type=PathString)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    request_id: str | None = Field(default=None, max_length=64)
    client_addr: str | None = Field(default=None, max_length=64)
    #: the socket peer and the X-Forwarded-For chain as received (keyed MACs cover it)
    peer_chain: str | None = Field(default=None, max_length=300)


class AuditChain(SQLModel, table=True):
    """The head of each chain; appending locks this row (per chain, not globally)."""

    __tablename__ = "audit_chain"

    chain: str = Field(sa_type=String(64), primary_key=True)
    last_seq: int = Field(default=0, sa_type=BigInteger)
    last_hash: str = Field(max_length=64)
    last_record_id: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
