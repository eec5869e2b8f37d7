"""Monthly partitions of the tables that grow with time (PostgreSQL; migration 0020_month_partitions).

`progress_report`, `audit_record`, `delivery` and `outbox_event` are partitioned by range of
`created_at`, one partition a calendar month in UTC (`<table>_pYYYYMM`) and a DEFAULT partition
(`<table>_default`) for rows no month takes. `ensure_partitions` keeps months ready ahead: the
scheduler runs it daily and `rectify migrate` once. A row in DEFAULT means upkeep did not run
in time; `ensure_partitions` moves such rows into the month partition it creates for them.

On SQLite (and on a PostgreSQL schema not yet at 0020) every function here does nothing.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

#: table -> partition column
PARTITIONED_TABLES: dict[str, str] = {
    "progress_report": "created_at",
    "audit_record": "created_at",
    "delivery": "created_at",
    "outbox_event": "created_at",
}
#: tables whose rows are never changed once written (the audit trail): their partitions keep the
#: parent's revoked UPDATE, DELETE and TRUNCATE (`revoke_changes`)
APPEND_ONLY_TABLES = frozenset({"audit_record"})
#: the non-owner role of row-level security (migration 0016_rls): it reaches rows through the
#: parents only, where the policies are
APP_ROLE = "rectify_app"
#: PostgreSQL advisory lock held while creating partitions: concurrent runs take turns
UPKEEP_LOCK_KEY = 727_303

PARTITION_NAME = re.compile(r"^(progress_report|audit_record|delivery|outbox_event)_(p\d{6}|default)$")

#: a transaction-local setting that the audit trail's append-only trigger (migration
#: 20261206_03_auth_hardening) honours for a DELETE: rows moving from DEFAULT into their month
PARTITION_MOVE_SETTING = "rectify.partition_move"


def is_partition_name(name: str) -> bool:
    """A table of ours that is a partition (not in the models' metadata)."""
    return PARTITION_NAME.match(name) is not None


def month_start(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return date(moment.year, moment.month, 1)


def add_months(month: date, n: int) -> date:
    y, m = divmod(month.month - 1 + n, 12)
    return date(month.year + y, m + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def _bound(month: date) -> str:
    """A partition bound (DDL takes literals, not parameters)."""
    return f"{month.isoformat()} 00:00:00+00"


def _instant(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PartitionInfo:
    table: str
    name: str
    #: "2024-12" or "DEFAULT"
    month: str
    rows: int
    #: True: the planner's estimate (pg_class.reltuples); False: count(*)
    estimated: bool


async def is_partitioned(conn: AsyncConnection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    kind = (
        await conn.execute(
            text("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('outbox_event')"),
        )
    ).scalar()
    return kind == "p"


async def tables_not_owned(conn: AsyncConnection) -> list[str]:
    """The partitioned parents this connection's role may not add months to (creating a partition
    takes the parent's owner, or a member of it): where the app's login role owns nothing, as the
    Kubernetes and systemd deployments run it, the owner's job makes the months instead."""
    if not await is_partitioned(conn):
        return []
    rows = await conn.execute(
        text(
            "SELECT c.relname FROM pg_class c WHERE c.oid = ANY(CAST(:tables AS regclass[]))"
            " AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY c.relname"
        ),
        {"tables": list(PARTITIONED_TABLES)},
    )
    return [name for (name,) in rows.all()]


async def _children(conn: AsyncConnection, table: str) -> set[str]:
    rows = await conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": table},
    )
    return {r[0] for r in rows}


async def _months_in_default(conn: AsyncConnection, table: str, column: str) -> list[date]:
    rows = await conn.execute(
        text(f"SELECT DISTINCT date_trunc('month', {column} AT TIME ZONE 'UTC')::date FROM {default_partition(table)}")
    )
    return sorted(r[0] for r in rows)


async def _create_partition(conn: AsyncConnection, table: str, column: str, month: date) -> int:
    """Create one month's partition; rows of that month already in DEFAULT move into it.
    Returns how many rows moved."""
    name = partition_name(table, month)
    low, high = _bound(month), _bound(add_months(month, 1))
    span = {"low": _instant(month), "high": _instant(add_months(month, 1))}
    default = default_partition(table)
    waiting = (
        await conn.execute(
            text(f"SELECT count(*) FROM {default} WHERE {column} >= :low AND {column} < :high"),
            span,
        )
    ).scalar_one()
    if not waiting:
        await conn.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{low}') TO ('{high}')"))
    else:
        # attaching a range that DEFAULT still holds rows of is refused: move them first
        await conn.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        # the same rows move between partitions of one table: the audit trail's append-only trigger
        # lets this transaction's DELETE through (it still needs the table's DELETE privilege)
        await conn.execute(text(f"SET LOCAL {PARTITION_MOVE_SETTING} = 'on'"))
        await conn.execute(
            text(
                f"WITH moved AS (DELETE FROM {default} WHERE {column} >= :low AND {column} < :high"
                f" RETURNING *) INSERT INTO {name} SELECT * FROM moved"
            ),
            span,
        )
        await conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')"))
    # the app role reaches rows only through the parent, where the row-level security policies are
    await conn.execute(text(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"))
    if (await conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})).first():
        await conn.execute(text(f"REVOKE ALL ON {name} FROM {APP_ROLE}"))
    if table in APPEND_ONLY_TABLES:
        await revoke_changes(conn, name)
    return int(waiting)


async def revoke_changes(conn: AsyncConnection, name: str) -> list[str]:
    """An append-only table's partition: nobody but its owner may UPDATE, DELETE or TRUNCATE it.

    The parent's revoke (migration 20261206_03, `rectify migrate` for the app's login role) does
    not reach a partition created later, which takes the schema's default privileges instead (a
    DBA's `ALTER DEFAULT PRIVILEGES … GRANT ALL ON TABLES TO rectify_api`, PUBLIC): whoever holds
    one of those privileges on the new partition loses it. Returns the grantees revoked."""
    rows = await conn.execute(
        text(
            "SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END"
            " FROM pg_class c, aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee"
            " WHERE c.oid = to_regclass(:t) AND a.grantee <> c.relowner"
            " AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')"
        ),
        {"t": name},
    )
    grantees = sorted(r[0] for r in rows)
    for grantee in grantees:
        await conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {name} FROM {grantee}"))
    return grantees


async def ensure_partitions(engine: AsyncEngine, months_ahead: int, *, today: date | None = None) -> list[str]:
    """Create the partitions of last month, this month and `months_ahead` months ahead, and of
    every month that has rows in DEFAULT (moving them in). Idempotent; concurrent calls take
    turns on an advisory lock and the later finds the work done. Returns the partitions created."""
    if engine.dialect.name != "postgresql":
        return []
    now = month_start(today or datetime.now(UTC))
    created: list[str] = []
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": UPKEEP_LOCK_KEY})
        if not await is_partitioned(conn):
            return []
        for table, column in PARTITIONED_TABLES.items():
            existing = await _children(conn, table)
            wanted = {add_months(now, n) for n in range(-1, months_ahead + 1)}
            wanted.update(await _months_in_default(conn, table, column))
            for month in sorted(wanted):
                if partition_name(table, month) not in existing:
                    await _create_partition(conn, table, column, month)
                    created.append(partition_name(table, month))
    return created


async def list_partitions(engine: AsyncEngine, *, exact: bool = False) -> list[PartitionInfo]:
    """Every partition with its row count (the planner's estimate unless `exact`); DEFAULT
    partitions are always counted exactly (they should be empty)."""
    if engine.dialect.name != "postgresql":
        return []
    out: list[PartitionInfo] = []
    async with engine.connect() as conn:
        if not await is_partitioned(conn):
            return []
        for table in PARTITIONED_TABLES:
            rows = await conn.execute(
                text(
                    "SELECT c.relname, c.reltuples::bigint FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = to_regclass(:t) ORDER BY c.relname"
                ),
                {"t": table},
            )
            for name, estimate in rows.all():
                is_default = name == default_partition(table)
                count_it = exact or is_default
                if count_it:
                    count = (await conn.execute(text(f"SELECT count(*) FROM {name}"))).scalar_one()
                else:
                    count = estimate
                month = "DEFAULT" if is_default else f"{name[-6:-2]}-{name[-2:]}"
                out.append(PartitionInfo(table, name, month, max(int(count), 0), not count_it))
    return out


async def rows_in_default(conn: AsyncConnection) -> list[str]:
    """The DEFAULT partitions that hold rows (cheap: one probe each), for readiness warnings."""
    if not await is_partitioned(conn):
        return []
    found = []
    for table in PARTITIONED_TABLES:
        name = default_partition(table)
        if (await conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {name})"))).scalar():
            found.append(name)
    return found
