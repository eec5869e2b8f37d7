"""A disk that cannot be written is named for what it is: "存储不可写 / storage not writable", with the
path and a hint — never a database or Redis outage — and logged once per change of state.

The kernel's EROFS/ENOSPC cannot be provoked here without mounting; those cases raise the same
`OSError(errno, strerror, path)` the kernel would. EACCES is real: a non-root process (setpriv).
"""

import errno
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from arq import func
from structlog.testing import capture_logs

from rectify_shared import queue
from rectify_shared.fs_errors import StateLog, StorageNotWritable, ensure_writable_dir, storage_fault
from rectify_shared.heartbeat import Beat
from rectify_shared.storage import LocalDiskStorage

from .sandbox import make_writable_for_child, unprivileged_prefix

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _oserror(code: int, path: Path) -> OSError:
    return OSError(code, os.strerror(code), str(path))


class UnwritableDisk(LocalDiskStorage):
    def __init__(self, root: Path, code: int) -> None:
        super().__init__(root)
        self.code = code

    def _put(self, sha256: str, data: bytes) -> None:
        raise _oserror(self.code, self._path(sha256).parent)


REASONS = [(errno.EROFS, "只读文件系统"), (errno.ENOSPC, "磁盘空间不足"), (errno.EACCES, "没有写权限")]


async def test_an_upload_to_an_unwritable_disk_is_a_storage_error_not_a_database_outage(
    app: Any, signin: Any, tmp_path: Path
) -> None:
    root = tmp_path / "evidence"
    unit = await signin("abgq")
    for code, reason_zh in REASONS:
        app.state.rectify.storage = UnwritableDisk(root, code)
        with capture_logs() as logs:
            answers = [
                await unit.post("/api/v1/attachments", files={"file": ("材料.pdf", PDF, "application/pdf")})
                for _ in range(3)
            ]
        for r in answers:
            assert r.status_code == 503, r.text
            err = r.json()["error"]
            assert err["code"] == "storage_not_writable"
            assert err["message"].startswith("存储不可写") and reason_zh in err["message"]
            assert str(root) in err["message"] and str(root) in err["message_en"]
            assert "数据库" not in err["message"] and "database" not in err["message_en"].lower()
        warnings = [e for e in logs if e["event"] == "storage_not_writable" and e["log_level"] == "warning"]
        assert len(warnings) == 1, logs  # three failed uploads, one warning (a new kind of fault)
        assert warnings[0]["path"].startswith(str(root)) and warnings[0]["hint"]
        assert not [e for e in logs if e["event"] == "database_unavailable"]


def test_filesystem_faults_are_neither_database_nor_redis_outages(tmp_path: Path) -> None:
    from issues_api.core.errors import db_unavailable

    for code in (errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EDQUOT):
        exc = _oserror(code, tmp_path)
        assert storage_fault(exc) is not None
        assert not db_unavailable(exc)
        assert not queue.is_transient(exc)
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert storage_fault(refused) is None and db_unavailable(refused) and queue.is_transient(refused)
    try:
        try:
            raise _oserror(errno.EROFS, tmp_path / "x")
        except OSError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        fault = storage_fault(outer)
    assert fault is not None and fault.reason == "read_only" and fault.path == str(tmp_path / "x")


def test_the_startup_check_names_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only_mkdir(self: Path, *a: Any, **k: Any) -> None:
        raise _oserror(errno.EROFS, self)

    monkeypatch.setattr(Path, "mkdir", read_only_mkdir)
    with pytest.raises(StorageNotWritable) as info:
        ensure_writable_dir(tmp_path / "var", "SQLite database")
    assert "存储不可写" in str(info.value) and str(tmp_path / "var") in str(info.value)
    assert "RECTIFY_DATA_DIR" in str(info.value)


class ReadOnlyBeat(Beat):
    def __call__(self) -> None:
        raise _oserror(errno.EROFS, self.directory)


async def test_a_worker_that_cannot_write_its_heartbeat_says_so_once_and_backs_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_redis_health(self: Any) -> None:
        return None

    monkeypatch.setattr(queue.ResilientWorker, "heart_beat", no_redis_health)  # the arq part needs Redis
    beat = ReadOnlyBeat(tmp_path / "hb", "notifier")

    async def job(ctx: dict[str, object]) -> None:
        return None

    worker = queue.HeartbeatWorker(
        functions=[func(job, name="job")],
        handle_signals=False,
        beat=beat,
        **queue.worker_options("redis://127.0.0.1:1/0", "p", "q"),
    )
    calls = 0
    real_call = ReadOnlyBeat.__call__

    def counting(self: Beat) -> None:
        nonlocal calls
        calls += 1
        real_call(self)

    monkeypatch.setattr(ReadOnlyBeat, "__call__", counting)
    with capture_logs() as logs:
        for _ in range(50):
            await worker.heart_beat()
    assert calls == 1  # backed off: the next attempt waits at least a second
    events = [e["event"] for e in logs]
    assert events.count("storage_not_writable") == 1
    assert "worker_redis_unavailable" not in events
    line = next(e for e in logs if e["event"] == "storage_not_writable")
    assert line["path"] == str(tmp_path / "hb") and line["reason"] == "read_only" and line["service"] == "notifier"


def test_the_state_log_speaks_on_changes_only(tmp_path: Path) -> None:
    state = StateLog("test")
    ro = storage_fault(_oserror(errno.EROFS, tmp_path))
    full = storage_fault(_oserror(errno.ENOSPC, tmp_path))
    assert ro is not None and full is not None
    with capture_logs() as logs:
        assert [state.failed(ro) for _ in range(5)] == [True, False, False, False, False]
        assert state.failed(full) is True
        state.ok()
        state.ok()
    assert [e["event"] for e in logs if e["log_level"] != "debug"] == [
        "storage_not_writable",
        "storage_not_writable",
        "storage_writable_again",
    ]


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="needs setpriv to drop root")
def test_a_real_worker_without_root_logs_the_unwritable_heartbeat_dir_once(tmp_path: Path, redis_url: str) -> None:
    prefix, who = unprivileged_prefix()
    tmp_path.chmod(0o755)
    heartbeat_dir = tmp_path / "heartbeat"
    heartbeat_dir.mkdir(mode=0o555)  # like a read-only root: not a declared volume
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    make_writable_for_child(data_dir)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": "postgresql://127.0.0.1:1/none",  # the heartbeat does not need it
        "RECTIFY_HEARTBEAT_DIR": str(heartbeat_dir),
        "RECTIFY_DATA_DIR": str(data_dir),
        "RECTIFY_QUEUE_PREFIX": f"fsfault{os.getpid()}",
        "RECTIFY_LOG_JSON": "true",
        "HOME": str(data_dir),
    }
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-m", "report_worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        time.sleep(8)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    lines = [ln for ln in out.splitlines() if "storage_not_writable" in ln]
    assert len(lines) == 1, (who, out)
    assert str(heartbeat_dir) in lines[0] and "permission_denied" in lines[0], lines[0]
    assert "redis_unavailable" not in out, out
