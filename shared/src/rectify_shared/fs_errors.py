"""Filesystem faults named for what they are: a read-only, full or forbidden directory.

A read-only root filesystem (Kubernetes' `readOnlyRootFilesystem`), a full volume or a directory
owned by another uid surfaces as an `OSError` whose errno says which. Without this module such an
error was reported as a database outage by the API ("数据库暂时不可用") and as a Redis outage by
the workers, every second. Here it becomes a `StorageFault` naming the path, the reason and what to
do, logged as the event `storage_not_writable` once per change of state (`StateLog`).
"""

import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger("rectify.storage")

#: errno → (reason code, 中文, English)
_REASONS: dict[int, tuple[str, str, str]] = {
    errno.EROFS: ("read_only", "只读文件系统", "read-only file system"),
    errno.ENOSPC: ("disk_full", "磁盘空间不足", "no space left on device"),
    errno.EDQUOT: ("disk_full", "磁盘配额已用尽", "disk quota exceeded"),
    errno.EACCES: ("permission_denied", "没有写权限", "permission denied"),
    errno.EPERM: ("permission_denied", "操作不被允许", "operation not permitted"),
}

_HINTS: dict[str, tuple[str, str]] = {
    "read_only": (
        "请为该路径挂载可写卷，或将 RECTIFY_DATA_DIR 指向可写目录（证据文件可用 RECTIFY_STORAGE=s3）",
        "mount a writable volume at this path, or point RECTIFY_DATA_DIR at a writable directory "
        "(evidence files can go to RECTIFY_STORAGE=s3)",
    ),
    "disk_full": ("请清理磁盘或扩容该卷", "free space on, or grow, the volume holding this path"),
    "permission_denied": (
        "请让运行进程的用户（uid {uid}）对该目录有写权限，或将 RECTIFY_DATA_DIR 指向可写目录",
        "make this directory writable by the user the process runs as (uid {uid}), "
        "or point RECTIFY_DATA_DIR at one that is",
    ),
}


@dataclass(frozen=True)
class StorageFault:
    path: str
    reason: str  # read_only | disk_full | permission_denied
    errno: int
    reason_zh: str
    reason_en: str

    @property
    def hint_zh(self) -> str:
        return _HINTS[self.reason][0].format(uid=_uid())

    @property
    def hint_en(self) -> str:
        return _HINTS[self.reason][1].format(uid=_uid())

    @property
    def message(self) -> str:
        return f"存储不可写：{self.path}（{self.reason_zh}）"

    @property
    def message_en(self) -> str:
        return f"Storage not writable: {self.path} ({self.reason_en})"

    def log_fields(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "reason": self.reason,
            "errno": errno.errorcode.get(self.errno, self.errno),
            "hint": self.hint_en,
            "hint_zh": self.hint_zh,
        }


def _uid() -> int | str:
    return os.getuid() if hasattr(os, "getuid") else "?"


def storage_fault(exc: BaseException | None, path: Path | str | None = None) -> StorageFault | None:
    """The filesystem fault in `exc` or in what it wraps (cause, context, a driver's `orig`), if any."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 8:
        e = todo.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        if isinstance(e, OSError) and e.errno in _REASONS:
            reason, zh, en = _REASONS[e.errno]
            where = e.filename if e.filename is not None else path
            # absolute: "var" says little in a log, "/app/var" says where the process was started
            shown = os.path.abspath(os.fsdecode(where)) if where is not None else "?"
            return StorageFault(shown, reason, e.errno, zh, en)
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return None


class StorageNotWritable(RuntimeError):
    """Raised at start-up when a directory the process must write to cannot be written."""

    def __init__(self, fault: StorageFault, purpose: str = "") -> None:
        self.fault = fault
        what = f" ({purpose})" if purpose else ""
        super().__init__(f"{fault.message} / {fault.message_en}{what} — {fault.hint_zh} / {fault.hint_en}")


def ensure_writable_dir(directory: Path, purpose: str = "") -> None:
    """Create `directory` and prove a file can be written in it; `StorageNotWritable` otherwise."""
    probe = directory / f".write-probe-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        fault = storage_fault(exc, directory)
        if fault is None:
            raise
        raise StorageNotWritable(fault, purpose) from exc


class StateLog:
    """Logs `storage_not_writable` when a fault starts or changes, `storage_writable_again` when it
    ends, and nothing in between (at most a reminder every `remind_seconds`), however often it is told."""

    def __init__(self, source: str, remind_seconds: float = 600.0) -> None:
        self.source = source
        self.remind_seconds = remind_seconds
        self.current: StorageFault | None = None
        self.failures = 0
        self._logged_at = float("-inf")

    def failed(self, fault: StorageFault, **extra: Any) -> bool:
        """Record a failure; True when it was logged at warning level (a new state or a reminder)."""
        self.failures += 1
        now = time.monotonic()
        if fault != self.current or now - self._logged_at >= self.remind_seconds:
            self.current = fault
            self._logged_at = now
            log.warning(
                "storage_not_writable",
                source=self.source,
                failures=self.failures,
                message=fault.message,
                **fault.log_fields(),
                **extra,
            )
            return True
        log.debug("storage_not_writable_again", source=self.source, path=fault.path, failures=self.failures)
        return False

    def ok(self) -> None:
        if self.current is not None:
            log.info("storage_writable_again", source=self.source, path=self.current.path, after_failures=self.failures)
        self.current = None
        self.failures = 0
        self._logged_at = float("-inf")


def check_api_dirs(data_dir: Path, *, sqlite: bool, jwt_from_file: bool, local_evidence: bool) -> None:
    """The API's start-up check of what it will write. A directory it cannot start without (the
    SQLite file, the generated JWT key) stops the start with `StorageNotWritable`; the evidence
    directory only warns (reads still work; uploads answer 503 `storage_not_writable`)."""
    needs = [why for flag, why in ((sqlite, "SQLite database"), (jwt_from_file, "JWT key file")) if flag]
    for purpose in needs:
        try:
            ensure_writable_dir(data_dir, purpose)
        except StorageNotWritable as exc:
            log.error(
                "storage_not_writable",
                source="issues-api",
                purpose=purpose,
                fatal=True,
                message=exc.fault.message,
                **exc.fault.log_fields(),
            )
            raise
    if local_evidence:
        try:
            ensure_writable_dir(data_dir / "attachments", "evidence files")
        except StorageNotWritable as exc:
            log.warning(
                "storage_not_writable",
                source="issues-api",
                purpose="evidence files",
                message=exc.fault.message,
                **exc.fault.log_fields(),
            )
