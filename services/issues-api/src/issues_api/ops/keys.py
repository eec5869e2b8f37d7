"""`rectify keys rotate`: every encrypted contact and secret re-encrypted under the current data key
(and cipher), in batches, with a progress bar; blind indexes recomputed under the same key.

Rotation: put the new key in RECTIFY_DATA_KEY (or its file), list the old one in
RECTIFY_DATA_KEYS_OLD, restart the services (they read both), run `rectify keys rotate`, then drop
the old key from RECTIFY_DATA_KEYS_OLD. Each batch is its own transaction, selected by primary key
after the last one done: an interrupted rotation resumes where it stopped, and running it again
changes nothing. Switching RECTIFY_DATA_CIPHER (sm4-gcm ↔ aes-256-gcm) is rotated the same way.
"""

import argparse
import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from rectify_shared import data_keys

from .progress import Progress

#: (table, column) → the column holding its blind index (`data_keys.blind_index`)
INDEXES = {("user_account", "phone"): "phone_index"}


def _pending(table: str, column: str, keys: data_keys.DataKeys) -> tuple[str, dict[str, str]]:
    """The SQL condition of the rows still to rotate, and its parameters."""
    params = {"current": f"{keys.current_prefix}%"}
    index = INDEXES.get((table, column))
    if index is None:
        return f"{column} IS NOT NULL AND {column} NOT LIKE :current", params
    params["index"] = f"{data_keys.INDEX_PREFIX}{keys.current_id}:%"
    return (
        f"{column} IS NOT NULL AND ({column} NOT LIKE :current OR {index} IS NULL OR {index} NOT LIKE :index)",
        params,
    )


def _batch_sync(
    conn: Any,
    table: str,
    column: str,
    pk: tuple[str, ...],
    keys: data_keys.DataKeys,
    after: tuple[Any, ...] | None,
    size: int,
) -> tuple[int, tuple[Any, ...] | None]:
    """Rotate up to `size` rows after primary key `after`; (rows done, the last primary key)."""
    cond, params = _pending(table, column, keys)
    key_sql = ", ".join(pk)
    bind: dict[str, Any] = dict(params)
    if after is not None:
        cond += f" AND ({key_sql}) > ({', '.join(f':a{n}' for n in range(len(pk)))})"
        bind |= {f"a{n}": v for n, v in enumerate(after)}
    rows = conn.execute(
        text(f"SELECT {key_sql}, {column} FROM {table} WHERE {cond} ORDER BY {key_sql} LIMIT {int(size)}"), bind
    ).all()
    if not rows:
        return 0, None
    index = INDEXES.get((table, column))
    sets = f"{column} = :new" + (f", {index} = :ix" if index else "")
    match = " AND ".join(f"{k} = :k{n}" for n, k in enumerate(pk))
    updates = []
    for row in rows:
        *key, stored = row
        plain = keys.decrypt(stored) if data_keys.is_encrypted(stored) else stored
        values: dict[str, Any] = {"new": keys.encrypt(plain), **{f"k{n}": v for n, v in enumerate(key)}}
        if index:
            values["ix"] = keys.blind_index(plain)
        updates.append(values)
    conn.execute(text(f"UPDATE {table} SET {sets} WHERE {match}"), updates)
    return len(rows), tuple(rows[-1][: len(pk)])


async def rotate(url: str, keys: data_keys.DataKeys, batch: int = 1000, progress: Progress | None = None) -> int:
    """Re-encrypt what is not under the current key and cipher; returns how many values changed."""
    engine = create_async_engine(url)
    changed = 0
    try:
        columns = data_keys.encrypted_columns()
        async with engine.connect() as conn:
            total = 0
            for table, column, _ in columns:
                cond, params = _pending(table, column, keys)
                total += int(
                    (await conn.execute(text(f"SELECT count(*) FROM {table} WHERE {cond}"), params)).scalar_one()
                )
        bar = progress or Progress("轮换密钥 keys rotate")
        bar.update(0, total)
        with bar:
            for table, column, pk in columns:
                after: tuple[Any, ...] | None = None
                while True:
                    async with engine.begin() as conn:  # one transaction a batch: resumable
                        done, after = await conn.run_sync(_batch_sync, table, column, pk, keys, after, batch)
                    if not done:
                        break
                    changed += done
                    bar.advance(done, f"{table}.{column}")
    finally:
        await engine.dispose()
    return changed


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from ..cli import _settings

    settings = _settings()  # installs the keys (current, old) and the cipher from the settings
    keys = data_keys.installed()
    assert keys is not None
    from rectify_shared.settings import normalise_database_url

    url = (
        normalise_database_url(settings.migrate_database_url, settings.data_dir)
        if settings.migrate_database_url
        else settings.effective_database_url
    )
    changed = asyncio.run(rotate(url, keys, args.batch))
    print(
        f"{changed} value(s) now under data key {keys.current_id} ({keys.cipher}); "
        "once every service runs with the new key, remove the old one from RECTIFY_DATA_KEYS_OLD"
    )
    return 0


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="the data key of contacts and secrets at rest").add_subparsers(
        dest="action", required=True
    )
    p = keys.add_parser("rotate", help="re-encrypt every contact and secret under the current data key, in batches")
    p.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
    p.set_defaults(fn=cmd_keys_rotate)
