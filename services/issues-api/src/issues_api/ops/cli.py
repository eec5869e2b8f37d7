"""The operations commands of `rectify` (registered by `issues_api.cli`):

rectify backup               online backup of the embedded default into one .tar.gz
rectify restore ARCHIVE DIR  verify a backup and unpack it into a new data dir
rectify wait-for-migrations  wait until the schema is at this code's revision (init containers)
rectify worker-alive         check a worker's heartbeat (liveness probes)
rectify partitions           PostgreSQL: list the monthly partitions with row counts, create missing ones
"""

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rectify_shared import heartbeat
from rectify_shared.db import engine_for
from rectify_shared.settings import load_settings


def cmd_backup(args: argparse.Namespace) -> int:
    from .backup import BackupError, backup

    settings = load_settings()
    output = Path(args.output or f"rectify-backup-{datetime.now():%Y%m%dT%H%M%S}.tar.gz")
    from .progress import Progress

    try:
        with Progress("备份 backup") as progress:
            manifest = backup(settings.effective_database_url, settings.data_dir, output, progress)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size = sum(m["size"] for m in manifest["members"].values())
    print(
        f"backup written to {output}: {len(manifest['members'])} files, {size} bytes, "
        f"schema {manifest['schema_revision']}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from ..schema import schema_state
    from .backup import BackupError, restore
    from .progress import Progress

    try:
        with Progress("恢复 restore") as progress:
            restored = restore(Path(args.archive), Path(args.into), progress)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored {restored.files} files into {restored.directory} (schema {restored.schema_revision})")
    if schema_state(restored.schema_revision) == "behind":
        print("the schema is older than this code: run `rectify migrate` with RECTIFY_DATA_DIR set to it")
    print(f"use it with RECTIFY_DATA_DIR={restored.directory.resolve()}")
    return 0


def cmd_wait_for_migrations(args: argparse.Namespace) -> int:
    from .migrations import wait_for_migrations

    settings = load_settings()

    async def run() -> bool:
        engine = engine_for(settings, pool_size=1)
        try:
            return await wait_for_migrations(
                engine, timeout=args.timeout, interval=args.interval, report=lambda s: print(s, flush=True)
            )
        finally:
            await engine.dispose()

    return 0 if asyncio.run(run()) else 1


def cmd_worker_alive(args: argparse.Namespace) -> int:
    ok, line = heartbeat.check(load_settings().effective_heartbeat_dir, args.service, args.max_age)
    print(line)
    return 0 if ok else 1


def cmd_partitions(args: argparse.Namespace) -> int:
    from .partitions import report

    lines, warnings = asyncio.run(report(load_settings(), exact=args.exact, create=not args.no_create))
    for line in lines:
        print(line)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if warnings and args.strict else 0


def register(sub: Any) -> None:
    """Add the commands to `rectify`'s subparsers."""
    p = sub.add_parser("backup", help="online backup of the embedded default (SQLite + evidence files)")
    p.add_argument("--output", "-o", help="archive path (default rectify-backup-<time>.tar.gz)")
    p.set_defaults(fn=cmd_backup)
    p = sub.add_parser("restore", help="verify a backup and unpack it into a new, empty data dir")
    p.add_argument("archive")
    p.add_argument("into", help="the new data dir (must not exist or be empty)")
    p.set_defaults(fn=cmd_restore)
    p = sub.add_parser("wait-for-migrations", help="wait until the schema is at this code's revision")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds (default 600); exit 1 after")
    p.add_argument("--interval", type=float, default=2.0)
    p.set_defaults(fn=cmd_wait_for_migrations)
    p = sub.add_parser("worker-alive", help="exit 0 when the worker's heartbeat is fresh, 1 when not")
    p.add_argument("--service", required=True, choices=heartbeat.SERVICES)
    p.add_argument("--max-age", type=float, default=60.0, help="seconds (default 60)")
    p.set_defaults(fn=cmd_worker_alive)
    p = sub.add_parser("partitions", help="PostgreSQL: create missing monthly partitions, list them with row counts")
    p.add_argument("--exact", action="store_true", help="count(*) every partition (default: estimates)")
    p.add_argument("--no-create", action="store_true", help="only list; create nothing")
    p.add_argument("--strict", action="store_true", help="exit 1 when a DEFAULT partition holds rows")
    p.set_defaults(fn=cmd_partitions)
    from .keys import register as register_keys

    register_keys(sub)
