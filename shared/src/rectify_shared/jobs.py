"""The contract between services: queue names, job names and JSON payloads.

Payloads are pydantic models serialised as JSON; nothing is pickled.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

NOTIFIER_QUEUE = "notifier"
REPORT_WORKER_QUEUE = "report-worker"

#: job function names, as registered by the workers
HANDLE_EVENT = "handle_event"
RENDER_REPORT = "render_report"
RUN_SCAN_REQUEST = "run_scan_request"
#: withdraw everything one scan request created (the notifier writes escalations; issues-api asks)
WITHDRAW_SCAN = "withdraw_scan"


def queue_name(prefix: str, queue: str) -> str:
    """Each worker has its own queue (arq's default `arq:queue` is shared by every worker)."""
    return f"{prefix}:queue:{queue}"


class EventEnvelope(BaseModel):
    """One ledger event, as the outbox publishes it and webhooks will carry it."""

    id: str = Field(description="Event id (the outbox row id as a string)")
    type: str = Field(examples=["issue.status_changed"])
    timestamp: datetime
    aggregate_type: str
    aggregate_id: int
    #: the type's payload as JSON (the wire stays a plain object); `payload()` reads it typed
    data: dict[str, Any]
    #: the API request that wrote the event (its `X-Request-ID`), for the logs of the work it causes
    request_id: str | None = None

    def payload(self) -> Any:
        """`data` as the type's payload model (`rectify_shared.events`); ValueError for a type
        the catalogue does not know."""
        from .events import EventType, payload_model

        return payload_model(EventType(self.type)).model_validate(self.data)


class RenderReport(BaseModel):
    report_id: int
    request_id: str | None = None


class RunScanRequest(BaseModel):
    scan_id: int
    request_id: str | None = None


class WithdrawScan(BaseModel):
    """Sent when the office withdraws a whole scan (`escalation.scan_withdraw_requested`)."""

    scan_id: int
    request_id: str | None = None
