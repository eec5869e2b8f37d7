from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.ids import js_safe
from rectify_shared.models import AuditRecord


class AuditRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "1234567890123456789",
                    "created_at": "2024-12-02T01:15:30.123456Z",
                    "chain": "org:5",
                    "seq": 42,
                    "actor": "xlgl_office",
                    "actor_role": "office_admin",
                    "action": "issue.update",
                    "entity_type": "issue",
                    "entity_id": "17",
                    "before": {"status": "in_progress"},
                    "after": {"status": "completed"},
                    "request_id": "6f1c0a5e9d2b4c7e8a1f3b5d7c9e0a2b",
                    "client_addr": "10.0.3.17",
                    "hash": "9b2e6f0c1d4a7e3b5c8f2a6d9e1b4c7f0a3d6e9b2c5f8a1d4e7b0c3f6a9d2e5b",
                    "prev_hash": "4c7f0a3d6e9b2c5f8a1d4e7b0c3f6a9d2e5b9b2e6f0c1d4a7e3b5c8f2a6d9e1b",
                    "hash_alg": "hmac-sha256",
                }
            ]
        }
    )

    id: str = Field(description="A 63-bit integer, as a string so that JavaScript clients keep every digit")
    created_at: datetime
    chain: str = Field(description="The hash chain: `org:<id>` of the acting org, or `system`")
    seq: int = Field(description="Position in the chain, from 1")
    actor: str
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None = Field(description="The changed fields before the act (null for a creation)")
    after: dict[str, Any] | None = Field(description="The changed fields after the act (null for a deletion)")
    request_id: str | None = Field(description="The server's id of the request (never the client's X-Request-ID)")
    client_addr: str | None = Field(description="The client, through trusted proxies only (RECTIFY_TRUSTED_PROXIES)")
    peer_chain: str | None = Field(None, description="`peer=<socket peer>; xff=<X-Forwarded-For>` when one was sent")
    hash: str = Field(
        description="Keyed MAC (or, for old records, digest) over every other field, prev_hash included, as "
        "stored: integers beyond 2⁵³−1 in `before`/`after` are served as strings (ids), so verify the chain with "
        "`rectify audit verify`"
    )
    prev_hash: str = Field(description="The previous record's hash; 64 zeros for the first record of a chain")
    hash_alg: str = Field(description="`hmac-sha256` or `hmac-sm3` (keyed); `sha256` or `sm3` for old records")

    @classmethod
    def of(cls, record: AuditRecord) -> "AuditRead":
        return cls(
            id=str(record.id),
            created_at=record.created_at,
            chain=record.chain,
            seq=record.seq,
            actor=record.actor,
            actor_role=record.actor_role,
            action=record.action,
            entity_type=record.entity_type,
            entity_id=record.entity_id,
            before=js_safe(record.before),
            after=js_safe(record.after),
            request_id=record.request_id,
            client_addr=record.client_addr,
            peer_chain=record.peer_chain,
            hash=record.hash,
            prev_hash=record.prev_hash,
            hash_alg=record.hash_alg,
        )


class AuditProblem(BaseModel):
    chain: str = Field(description="`org:<id>` of the acting org")
    record_id: str | None = Field(description="The record found wrong (a string: 63-bit ids); null for a head")
    seq: int | None
    reason: str


class AuditVerification(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": False,
                    "chains": 3,
                    "records_checked": 1841,
                    "first_record_id": "1234567890123456001",
                    "last_record_id": "1234567890123457841",
                    "broken_at": {
                        "chain": "org:5",
                        "record_id": "1234567890123456789",
                        "seq": 42,
                        "reason": "hash mismatch: the record was edited",
                    },
                    "problems": [],
                    "problem_count": 1,
                    "duration_ms": 87,
                    "checked_at": "2024-12-02T01:15:30.123456Z",
                }
            ]
        }
    )

    ok: bool = Field(description="Every chain of the caller's orgs intact")
    chains: int = Field(description="Chains checked: one per acting org of the caller's subtree")
    records_checked: int
    first_record_id: str | None = Field(description="The smallest record id checked (the range's start)")
    last_record_id: str | None = Field(description="The largest record id checked (the range's end)")
    broken_at: AuditProblem | None = Field(description="The first problem found; null when intact")
    problems: list[AuditProblem] = Field(description="The problems found, at most 20")
    problem_count: int
    duration_ms: int
    checked_at: datetime
