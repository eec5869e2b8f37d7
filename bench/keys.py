"""`rectify keys rotate` at scale: 100,000 accounts' phones and e-mails (and every other encrypted
value the generated province holds) re-encrypted under a new data key, in batches, with the
command's progress bar on stderr. Runs last in `make bench`: afterwards the database is under a
key the other benchmarks' processes do not have.

    .venv/bin/python bench/keys.py postgresql://root@127.0.0.1:5432/scratch --count 2000   # alone
"""

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from results import Result

NEW_KEY = "bench-rotated-data-key-" + "n" * 32


async def add_accounts(dsn: str, count: int, keys: Any) -> None:
    """`count` accounts with an encrypted phone, e-mail and phone index, by COPY (the generator's way)."""
    conn = await asyncpg.connect(dsn)
    try:
        org = await conn.fetchrow("SELECT id, path FROM org ORDER BY id LIMIT 1")
        rows = []
        now = datetime.now(UTC)
        for n in range(count):
            phone = f"139{n:08d}"
            rows.append(
                (
                    f"rot{n:06d}",
                    "-",
                    org["id"],
                    org["path"],
                    "leader",
                    keys.encrypt(phone),
                    keys.blind_index(phone),
                    keys.encrypt(f"rot{n}@example.gov.cn"),
                    "bench",
                    now,
                    now,
                    now,
                )
            )
        columns = ["username", "password_hash", "org_id", "org_path", "role", "phone", "phone_index", "email",
                   "created_by", "password_changed_at", "created_at", "updated_at"]  # fmt: skip
        await conn.copy_records_to_table("user_account", records=rows, columns=columns)
    finally:
        await conn.close()


async def run_rotation_bench(dsn: str, count: int, log: Callable[[str], None]) -> list[Result]:
    from issues_api.ops.keys import rotate
    from issues_api.ops.progress import Progress
    from rectify_shared import data_keys
    from rectify_shared.settings import load_settings

    old = data_keys.install_from(load_settings())
    secret = data_keys.configured_secret(load_settings())
    if secret is None:  # the embedded default's key file
        from pathlib import Path

        secret = (Path(load_settings().data_dir) / "data-key").read_text().strip()
    log(f"keys rotate: adding {count} accounts with encrypted contacts")
    await add_accounts(dsn, count, old)
    new = data_keys.DataKeys(NEW_KEY, [secret])
    data_keys.install(new)
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    started = time.monotonic()
    changed = await rotate(url, new, batch=1000, progress=Progress("轮换密钥 keys rotate", enabled=True))
    seconds = time.monotonic() - started
    conn = await asyncpg.connect(dsn)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM user_account WHERE phone NOT LIKE $1 OR phone_index NOT LIKE $2",
            f"{new.current_prefix}%",
            f"{data_keys.INDEX_PREFIX}{new.current_id}:%",
        )
    finally:
        await conn.close()
    log(f"keys rotate: {changed} values in {seconds:.1f} s, {left} accounts left behind")
    return [
        Result(
            "keys rotate", f"{count} accounts' contacts (+ the province's other encrypted values)", seconds, "s",
            goal="completes; nothing left under the old key", met=left == 0 and changed >= 2 * count,
            note=f"{changed} values, {changed / seconds:.0f}/s, batches of 1000",
        )
    ]  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dsn", help="a migrated database with at least one org")
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    for r in asyncio.run(run_rotation_bench(args.dsn, args.count, lambda m: print(m, file=sys.stderr))):
        print(r)
