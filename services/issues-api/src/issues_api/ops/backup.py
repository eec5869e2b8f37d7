"""`rectify backup` / `rectify restore` for the embedded default (SQLite + files in the data dir).

A backup is one `.tar.gz`: `manifest.json` first (format, time, schema revision, and the
SHA-256 and size of every other member), then `rectify.db` — an online copy made with SQLite's
backup API, consistent while the services keep writing — and the evidence files under
`attachments/` and the `jwt-secret` when present. Restore goes into a fresh directory only,
verifies every member against the manifest before anything lands there, and checks the
database's integrity; the directory is then a data dir (`RECTIFY_DATA_DIR`).

PostgreSQL deployments use base backups and WAL archiving instead (deploy/docs/backup.md).
"""

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import make_url

FORMAT = "rectify-backup/1"
MANIFEST = "manifest.json"
DATABASE = "rectify.db"
ATTACHMENTS = "attachments"
#: the audit key goes along: without it the restored trail cannot be verified
EXTRA_FILES = ("jwt-secret", "audit-key", "audit-heads.jsonl")


class BackupError(Exception):
    """A problem the operator must see: message in Chinese and English."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(f"{message_en} / {message}")


@dataclass(frozen=True)
class Restored:
    directory: Path
    files: int
    schema_revision: str | None


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        raise BackupError(
            "rectify backup 只用于内嵌 SQLite 部署；PostgreSQL 请使用基础备份和 WAL 归档（见 deploy/docs/backup.md）",
            "rectify backup is for the embedded SQLite default; back PostgreSQL up with a base backup "
            "and WAL archiving (deploy/docs/backup.md)",
        )
    return Path(url.database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _schema_revision(db: Path) -> str | None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()


def _copy_database(source: Path, target: Path, progress: Any = None) -> None:
    """SQLite's online backup: a consistent copy while other connections keep writing."""
    if not source.is_file():
        raise BackupError(f"数据库文件不存在：{source}", f"no database file at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:

        def pages(_status: int, left: int, total: int) -> None:
            progress.update(total - left, total, DATABASE)

        src.backup(dst, pages=1024, progress=None if progress is None else pages)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def backup(database_url: str, data_dir: Path, output: Path, progress: Any = None) -> dict[str, Any]:
    """Write the archive to `output` (atomically); returns the manifest. `progress`: an
    ops.progress.Progress (the database's pages, then the files hashed and archived)."""
    db = sqlite_path(database_url)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rectify-backup-") as tmp:
        staged = Path(tmp)
        _copy_database(db, staged / DATABASE, progress)
        members: dict[str, Path] = {DATABASE: staged / DATABASE}
        evidence = data_dir / ATTACHMENTS
        if evidence.is_dir():
            for path in sorted(p for p in evidence.rglob("*") if p.is_file() and not p.is_symlink()):
                members[PurePosixPath(ATTACHMENTS, *path.relative_to(evidence).parts).as_posix()] = path
        for name in EXTRA_FILES:
            if (data_dir / name).is_file():
                members[name] = data_dir / name
        if progress is not None:
            progress.update(0, 2 * len(members))
        hashed: dict[str, dict[str, Any]] = {}
        for name, p in members.items():
            hashed[name] = {"sha256": _sha256(p), "size": p.stat().st_size}
            if progress is not None:
                progress.advance(1, name)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema_revision": _schema_revision(staged / DATABASE),
            "members": hashed,
        }
        partial = output.with_name(f".{output.name}.partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
                if progress is not None:
                    progress.advance(1, name)
        partial.chmod(0o600)  # it holds password hashes and the token key
        partial.replace(output)
    return manifest


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name


def restore(archive: Path, target: Path, progress: Any = None) -> Restored:
    """Verify the archive and unpack it into `target`, which must not exist or be empty.
    `progress`: an ops.progress.Progress, advanced per member verified."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(
            f"目标目录必须是新的空目录：{target}", f"restore goes into a new, empty directory; {target} is not"
        )
    if not archive.is_file():
        raise BackupError(f"备份文件不存在：{archive}", f"no backup file at {archive}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restoring-", dir=target.parent))
    try:
        files = _unpack_verified(archive, staging, progress)
        _check_database(staging / DATABASE)
        revision = _schema_revision(staging / DATABASE)
        if target.exists():
            target.rmdir()
        staging.replace(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Restored(target, files, revision)


def _bad(detail_zh: str, detail_en: str) -> BackupError:
    return BackupError(f"备份文件校验失败：{detail_zh}", f"the backup does not verify: {detail_en}")


def _unpack_verified(archive: Path, staging: Path, progress: Any = None) -> int:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise _bad("缺少清单 manifest.json", "manifest.json is not its first member")
            manifest_file = tar.extractfile(first)
            assert manifest_file is not None
            manifest = json.loads(manifest_file.read())
            if manifest.get("format") != FORMAT:
                raise _bad(f"未知格式 {manifest.get('format')!r}", f"unknown format {manifest.get('format')!r}")
            expected: dict[str, dict[str, Any]] = manifest["members"]
            if progress is not None:
                progress.update(0, len(expected))
            seen: set[str] = set()
            for member in tar:
                if member is first:
                    continue
                name = member.name
                if not member.isfile() or not _safe_name(name) or name not in expected or name in seen:
                    raise _bad(f"清单之外或不安全的成员 {name!r}", f"unexpected or unsafe member {name!r}")
                seen.add(name)
                dest = staging / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                digest = hashlib.sha256()
                with dest.open("wb") as out:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected[name]["sha256"]:
                    raise _bad(f"{name} 的 SHA-256 不符", f"the SHA-256 of {name} does not match the manifest")
                if progress is not None:
                    progress.advance(1, name)
            missing = sorted(set(expected) - seen)
            if missing or DATABASE not in seen:
                raise _bad(f"缺少成员 {missing or [DATABASE]}", f"members missing: {missing or [DATABASE]}")
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError, TypeError) as exc:
        raise _bad(f"无法读取（{exc}）", f"cannot be read ({exc})") from exc
    return len(seen)


def _check_database(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise _bad(f"数据库无法打开（{exc}）", f"the database does not open ({exc})") from exc
    finally:
        conn.close()
    if not result or result[0] != "ok":
        raise _bad("数据库完整性检查未通过", f"the database fails its integrity check: {result}")
