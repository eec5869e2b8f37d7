"""Files of the data dir are the operator's alone (security finding 21).

`rectify.db` (password hashes, contacts, the ledger), its WAL, the embedded Redis's `redis.db`,
the message outbox (`outbox/*.jsonl`: phone numbers and texts), the evidence store and the token
key were created 0644 under the usual umask. Every entry point now sets the umask 077 before it
creates anything (files 0600, directories 0700; child processes such as the embedded Redis
inherit it; the API itself, which may be embedded, leaves the umask alone and makes the data dir
0700), and the places that create the data dir or write those files set the modes explicitly as
well, so a caller with another umask gets the same.
"""

import os
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def restrict_new_files() -> None:
    """Files this process (and its children) creates from now on are readable by its user only."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` created (with parents) or tightened to 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _chmod(path, DIR_MODE)
    return path


def tighten(paths: Iterable[Path]) -> None:
    """Existing files (e.g. made 0644 by an earlier version) set to 0600."""
    for path in paths:
        if path.is_file():
            _chmod(path, FILE_MODE)


def open_private(path: Path, flags: int) -> int:
    """`os.open` creating the file 0600 whatever the umask."""
    fd = os.open(path, flags, FILE_MODE)
    if os.fstat(fd).st_mode & 0o077:  # made earlier under a wider umask
        os.fchmod(fd, FILE_MODE)
    return fd


def sqlite_files(data_dir: Path, name: str = "rectify.db") -> list[Path]:
    return [data_dir / name, data_dir / f"{name}-wal", data_dir / f"{name}-shm", data_dir / f"{name}-journal"]


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except PermissionError:  # not ours (a mounted volume): leave it to the operator
        pass
