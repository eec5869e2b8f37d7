"""The embedded default when no SMTP server or SMS provider is configured: one JSON line per
message appended to a file (data_dir/outbox/email.jsonl, …/sms.jsonl), flushed and fsynced.

A full or read-only disk raises TransientError: the message stays owed and is retried.
"""

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from rectify_shared.fs_errors import StateLog, storage_fault
from rectify_shared.private_files import open_private, private_dir

from .base import OutgoingMessage, SendResult, TransientError


class FileChannel:
    def __init__(self, name: str, path: Path, *, reason: str = "") -> None:
        self.name = name
        self.path = Path(path)
        #: why messages go to a file (shown at start-up), e.g. "RECTIFY_SMTP_HOST not set"
        self.reason = reason
        self._lock = asyncio.Lock()
        self._storage_log = StateLog(f"notifier.{name}-file")

    def _append(self, line: bytes) -> None:
        private_dir(self.path.parent)
        fd = open_private(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with os.fdopen(fd, "ab") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    async def send(self, message: OutgoingMessage) -> SendResult:
        record = {
            "id": message.delivery_id,
            "idempotency_key": message.idempotency_key,
            "channel": self.name,
            "address": message.address,
            "subject": message.subject,
            "body": message.body,
            "at": datetime.now(UTC).isoformat(),
        }
        params = message.extra.get("template_params")
        if params is not None:
            record["template_params"] = params
        line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode()
        try:
            async with self._lock:
                await asyncio.to_thread(self._append, line)
        except OSError as exc:
            fault = storage_fault(exc, self.path)
            if fault is not None:  # logged once per change of state; the delivery stays owed
                self._storage_log.failed(fault, channel=self.name)
                raise TransientError(f"{fault.message} / {fault.message_en} — {fault.hint_en}") from exc
            raise TransientError(f"cannot write {self.path}: {exc}") from exc
        self._storage_log.ok()
        return SendResult(message.idempotency_key, {"file": str(self.path)})

    async def aclose(self) -> None:
        return None
