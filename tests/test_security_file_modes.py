"""Security review finding 21: the data dir's files are the operator's alone (0600, dirs 0700).

`rectify` (every command) sets the umask 077 before it creates anything; the database, its WAL,
the embedded Redis's file, the message outbox and the evidence store are checked here after
being made by the real code paths, starting from the usual umask 022.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

from notifier.delivery.channels.base import OutgoingMessage
from notifier.delivery.channels.files import FileChannel
from rectify_shared.storage import LocalDiskStorage

SCRIPT = """
import sys
from pathlib import Path
from issues_api.cli import main
from issues_api.ops.supervisor import start_embedded_redis
data = Path(sys.argv[1])
code = main(["migrate"])
server, _ = start_embedded_redis(data)   # as `rectify run` starts it, after main's set-up
server.set("k", "v")
server.shutdown(save=True)
raise SystemExit(code)
"""


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)) or ".": stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


def test_finding_21_file_modes_of_the_data_dir(tmp_path):
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECTIFY_", "DATABASE_URL", "REDIS_URL"))}
    env["RECTIFY_DATA_DIR"] = str(data)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data)],
        env=env,
        capture_output=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    modes = _modes(data)
    assert "rectify.db" in modes, modes
    wide = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert wide == {}, f"readable by others: {wide}"


async def test_finding_21_outbox_and_evidence_files_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        channel = FileChannel("sms", tmp_path / "var" / "outbox" / "sms.jsonl")
        await channel.send(OutgoingMessage(1, "k1", "13800000000", None, "您有一条督办通知"))
        store = LocalDiskStorage(tmp_path / "var" / "attachments")
        await store.put("ab" * 32, b"%PDF-1.4 evidence")
    finally:
        os.umask(old)
    modes = _modes(tmp_path / "var")
    assert modes["outbox/sms.jsonl"] == 0o600 and modes["outbox"] == 0o700
    assert modes["attachments"] == 0o700 and modes[f"attachments/ab/ab/{'ab' * 32}"] == 0o600
    assert {name: oct(m) for name, m in modes.items() if m & 0o077 and name != "."} == {}
