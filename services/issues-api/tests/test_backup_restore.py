"""`rectify backup` / `rectify restore` of the embedded default: the demo database and its
evidence files round-trip into a fresh directory; a damaged archive restores nothing."""

import asyncio
import gzip
import io
import sqlite3
import tarfile
from pathlib import Path

import pytest

from issues_api.cli import main as rectify
from issues_api.demo.loader import load_demo
from rectify_shared.db import make_engine, make_sessionmaker


def _row_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture
def data_dir(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir as `make run` leaves it: the demo database and two evidence files."""
    var = tmp_path / "var"
    var.mkdir()
    db = var / "rectify.db"
    Path(sqlite_url.split("///", 1)[1]).replace(db)

    async def load() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{db}")
        async with make_sessionmaker(engine)() as session:
            await load_demo(session, admin_password="a", demo_password="d")
            await session.commit()
        await engine.dispose()

    asyncio.run(load())
    (var / "attachments" / "ab").mkdir(parents=True)
    (var / "attachments" / "ab" / "abcdef").write_bytes(b"\x89PNG evidence")
    (var / "attachments" / "整改照片.txt").write_text("现场照片说明", encoding="utf-8")
    for name in ("DATABASE_URL", "RECTIFY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECTIFY_DATA_DIR", str(var))
    return var


def test_backup_then_restore_into_a_fresh_directory_keeps_every_row_and_file(data_dir, tmp_path, capsys):
    original = _row_counts(data_dir / "rectify.db")
    assert original["issue"] == 12 and original["measure"] == 40
    archive = tmp_path / "backup.tar.gz"
    assert rectify(["backup", "--output", str(archive)]) == 0
    assert "backup written" in capsys.readouterr().out

    restored = tmp_path / "restored"
    assert rectify(["restore", str(archive), str(restored)]) == 0
    assert _row_counts(restored / "rectify.db") == original
    assert (restored / "attachments" / "ab" / "abcdef").read_bytes() == b"\x89PNG evidence"
    assert (restored / "attachments" / "整改照片.txt").read_text(encoding="utf-8") == "现场照片说明"
    assert f"RECTIFY_DATA_DIR={restored.resolve()}" in capsys.readouterr().out


def test_the_backup_is_taken_while_a_writer_holds_an_open_transaction(data_dir, tmp_path):
    committed = _row_counts(data_dir / "rectify.db")["outbox_event"]
    assert committed > 0
    writer = sqlite3.connect(data_dir / "rectify.db")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM outbox_event")  # not committed: the backup must not see it
    try:
        assert rectify(["backup", "-o", str(tmp_path / "b.tar.gz")]) == 0
    finally:
        writer.rollback()
        writer.close()
    assert rectify(["restore", str(tmp_path / "b.tar.gz"), str(tmp_path / "r")]) == 0
    assert _row_counts(tmp_path / "r" / "rectify.db")["outbox_event"] == committed


def _rewrite(archive: Path, change) -> Path:
    """A copy of the archive with one member's bytes changed by `change(name, data)`."""
    out = archive.with_name("tampered.tar.gz")
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            data = change(member.name, data)
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


@pytest.mark.parametrize(
    "change",
    [
        lambda name, data: data.replace(b"evidence", b"EVIDENCE") if name.endswith("abcdef") else data,
        lambda name, data: data[:-4096] if name == "rectify.db" else data,
    ],
    ids=["altered evidence file", "truncated database"],
)
def test_a_damaged_backup_restores_nothing(data_dir, tmp_path, capsys, change):
    archive = tmp_path / "backup.tar.gz"
    assert rectify(["backup", "-o", str(archive)]) == 0
    target = tmp_path / "restored"
    assert rectify(["restore", str(_rewrite(archive, change)), str(target)]) == 2
    err = capsys.readouterr().err
    assert "does not verify" in err and "校验失败" in err and "SHA-256" in err
    assert not target.exists() and [p.name for p in tmp_path.iterdir() if "restoring" in p.name] == []


def test_restore_refuses_a_directory_that_is_not_empty(data_dir, tmp_path, capsys):
    archive = tmp_path / "backup.tar.gz"
    assert rectify(["backup", "-o", str(archive)]) == 0
    assert rectify(["restore", str(archive), str(data_dir)]) == 2
    assert "new, empty directory" in capsys.readouterr().err
    assert _row_counts(data_dir / "rectify.db")["issue"] == 12


def test_a_truncated_archive_is_refused(data_dir, tmp_path, capsys):
    archive = tmp_path / "backup.tar.gz"
    assert rectify(["backup", "-o", str(archive)]) == 0
    raw = gzip.decompress(archive.read_bytes())
    (tmp_path / "cut.tar.gz").write_bytes(gzip.compress(raw[: len(raw) // 2]))
    assert rectify(["restore", str(tmp_path / "cut.tar.gz"), str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()


def test_backup_of_a_postgresql_deployment_points_to_the_documented_procedure(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://rectify@db:5432/rectify")
    assert rectify(["backup", "-o", str(tmp_path / "b.tar.gz")]) == 2
    assert "WAL" in capsys.readouterr().err and not (tmp_path / "b.tar.gz").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_backup_and_restore_show_progress_on_a_terminal_only(data_dir, tmp_path, monkeypatch, capsys, terminal):
    """A progress line on stderr when it is a terminal (rewritten in place, ending at 100 %); nothing
    when stderr is a pipe or a log, so scripts and log collectors see only the result."""
    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    archive = tmp_path / "backup.tar.gz"
    assert rectify(["backup", "--output", str(archive)]) == 0
    assert rectify(["restore", str(archive), str(tmp_path / "restored")]) == 0
    shown = stderr.getvalue()
    if not terminal:
        assert shown == ""
        return
    lines = shown.split("\n")
    backup_line = next(line for line in lines if "backup" in line).split("\r")[-1]
    restore_line = next(line for line in lines if "restore" in line).split("\r")[-1]
    # the database, the two evidence files and the extra files; each hashed, then archived
    assert "100%" in backup_line and "备份" in backup_line
    assert "100%" in restore_line and "恢复" in restore_line
    done, total = restore_line.split("]")[1].split()[1].split("/")
    assert done == total and int(total) >= 3


def test_progress_is_silenced_by_rectify_progress_0(monkeypatch):
    from issues_api.ops.progress import Progress

    monkeypatch.setenv("RECTIFY_PROGRESS", "0")
    stream = _Terminal()
    with Progress("x", 3, stream=stream) as p:
        p.advance(3)
    assert stream.getvalue() == ""
    monkeypatch.delenv("RECTIFY_PROGRESS")
    with Progress("迁移 migrate", 4, stream=stream) as p:
        p.advance(2, "0016_rls")
    assert stream.getvalue().endswith("\n") and "50%" in stream.getvalue() and "2/4" in stream.getvalue()


def test_migrate_on_a_terminal_counts_every_revision_and_still_commits(tmp_path):
    """The progress line reads the schema's revision before migrating; the migration still commits."""
    from issues_api.ops.progress import Progress
    from issues_api.schema import head_revision, known_revisions, upgrade

    stream = _Terminal()
    db = tmp_path / "r.db"
    with Progress("迁移 migrate", stream=stream) as progress:
        upgrade(f"sqlite+aiosqlite:///{db}", progress=progress)
    total = len(known_revisions())
    assert f"{total}/{total}" in stream.getvalue() and head_revision() in stream.getvalue()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
