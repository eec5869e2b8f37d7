"""Chain heads exported outside the database, so a rewritten trail cannot pass as intact.

Every `RECTIFY_AUDIT_HEADS_MINUTES` the API appends one JSON line to a file sink (default
`<data dir>/audit-heads.jsonl`; point it at storage the database's administrators cannot
write, or ship it to syslog): the time, each chain's last seq and hash, and a MAC of the line
under the audit key. `rectify audit verify` checks every exported head is still in its chain
with the same hash: a trail edited and re-hashed, or cut back, since an export fails.
"""

import asyncio
import hashlib
import hmac
import json
import os
from contextlib import suppress
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import AuditChain, AuditRecord
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings

from .chain import canonical_json

log = structlog.get_logger(__name__)


def heads_path(settings: Settings) -> Path:
    return settings.audit_heads_file or Path(settings.data_dir) / "audit-heads.jsonl"


def _mac(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, canonical_json(body).encode(), hashlib.sha256).hexdigest()


async def export_heads(session: AsyncSession, path: Path, key: bytes) -> int:
    """Append one line with every chain's head; returns how many chains it names."""
    heads = AuditChain.metadata.tables["audit_chain"]
    rows = (await session.execute(select(heads.c.chain, heads.c.last_seq, heads.c.last_hash))).all()
    body = {"at": utcnow().isoformat(), "heads": {r.chain: [int(r.last_seq), r.last_hash] for r in rows}}
    line = json.dumps({**body, "mac": _mac(key, body)}, ensure_ascii=False, sort_keys=True)
    await asyncio.to_thread(_append, path, line)
    return len(rows)


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


async def check_heads(session: AsyncSession, path: Path, key: bytes) -> list[tuple[str, int | None, str]]:
    """(chain, seq, reason) for every exported head the database no longer agrees with."""
    problems: list[tuple[str, int | None, str]] = []
    latest: dict[str, tuple[int, str]] = {}
    for n, raw in enumerate(await asyncio.to_thread(_read, path), 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            body = {"at": entry["at"], "heads": entry["heads"]}
            ok = hmac.compare_digest(entry["mac"], _mac(key, body))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            problems.append(("-", None, f"{path} line {n}: not a head export made with this audit key"))
            continue
        for chain, (seq, digest) in body["heads"].items():
            if seq and (chain not in latest or latest[chain][0] <= seq):
                latest[chain] = (seq, digest)
    table = AuditRecord.metadata.tables["audit_record"]
    for chain, (seq, digest) in sorted(latest.items()):
        found = (
            (await session.execute(select(table.c.hash).where(table.c.chain == chain, table.c.seq == seq)))
            .scalars()
            .all()
        )
        if digest not in found:
            problems.append(
                (chain, seq, f"exported head (seq {seq}) is missing or has another hash now: the trail was rewritten")
            )
    return problems


class HeadsExporter:
    """The API's periodic export (one task per process; exports from replicas only repeat)."""

    def __init__(self, sessions: Any, path: Path, key: bytes, minutes: int) -> None:
        self.sessions, self.path, self.key, self.minutes = sessions, path, key, minutes
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.minutes > 0:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.minutes * 60)
            try:
                async with self.sessions() as session:
                    await export_heads(session, self.path, self.key)
            except Exception as exc:  # a full disk must not stop the API; the log says so
                log.warning("audit_heads_export_failed", error=str(exc))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
