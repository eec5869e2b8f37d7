"""monthly partitions of the four tables that grow with time (PostgreSQL only)

`progress_report`, `audit_record`, `delivery` and `outbox_event` become `PARTITION BY RANGE
(created_at)`, one partition a calendar month (UTC) named `<table>_pYYYYMM`, plus
`<table>_default` for a row no month partition takes (a warning in /readyz and `rectify
partitions`). Each table is rebuilt in this transaction: a partitioned copy is created with the
same columns and defaults, monthly partitions are created for every month that holds rows (at
most ten years back) and from last month to `MONTHS_AHEAD` months ahead, the rows are copied, the old table is dropped and
the copy takes its name; then its primary key, indexes, foreign keys, grants and row-level
security policies are created again from what the old table had. The tables hold their ACCESS
EXCLUSIVE lock for the copy: migrate a large database in a maintenance window.

Ids: there is no sequence to keep; the ids are made by the application (`rectify_shared.ids`,
time-ordered 63-bit) and copied as they are.

Keys and integrity — the primary keys were (id, created_at) and every unique index but one
already held `created_at` since these tables were first written, so they carry over:
* `delivery.uq_delivery_once` (event, recipient, channel, event month, created_at): created_at
  is the event's time, the same on every retry of the same event, so a duplicate lands in the
  same partition and collides there.
* `audit_record.ix_audit_chain_seq` (chain, seq, created_at): appends take the chain's head row
  in `audit_chain` FOR UPDATE, so seq is serial per chain; `rectify audit verify` detects a
  duplicate or a gap.
* `outbox_event.ix_outbox_position` (position) cannot include the partition key and stay the
  feed's guarantee, so it becomes a plain index and the trigger `outbox_position_unique` checks
  uniqueness across partitions under the relay's advisory lock (727301), which it takes itself
  — concurrent writers of a position serialise on it.
* No foreign key points at these tables (progress report ids in attachment_link,
  issue_attestation, issue_relapse and dispatch_obligation were never FKs: the key is composite);
  their own FKs (progress_report → issue, measure, org) are recreated on the partitioned parent.
* Row-level security (0016_rls on progress_report): policies are recreated on the parent and
  apply to every query through it. Partitions get row-level security enabled with no policy
  and no privileges for `rectify_app`: the app role cannot read a partition directly.

Not compared by the models-equal-migrations check: partitions, the partitioned index and the
trigger are not in the SQLAlchemy metadata (POSTGRES_ONLY_DIFFERENCES in tests/test_schema_health.py).

Revision ID: 0020_month_partitions
Revises: 0019_petition_closures
Create Date: 2026-11-28
"""
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0020_month_partitions'
down_revision: str | None = '0019_petition_closures'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: table -> its partition column
TABLES = {
    "progress_report": "created_at",
    "audit_record": "created_at",
    "delivery": "created_at",
    "outbox_event": "created_at",
}
MONTHS_AHEAD = 3
MONTHS_BACK_AT_MOST = 120
APP_ROLE = "rectify_app"
#: unique indexes that cannot hold the partition key: partitioned, they are plain indexes
#: whose uniqueness a trigger keeps (the `upgrade` below)
UNIQUE_BY_TRIGGER = {"ix_outbox_position"}

OUTBOX_POSITION_FUNCTION = """
CREATE OR REPLACE FUNCTION rectify_outbox_position_unique() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- the relay assigns positions under this lock; any other writer waits for it too, so the
  -- check below sees every committed position (READ COMMITTED: a new snapshot per statement)
  PERFORM pg_advisory_xact_lock(727301);
  IF EXISTS (SELECT 1 FROM outbox_event o WHERE o.position = NEW.position
             AND NOT (o.id = NEW.id AND o.created_at = NEW.created_at)) THEN
    RAISE EXCEPTION 'outbox position % is taken', NEW.position
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'ix_outbox_position';
  END IF;
  RETURN NEW;
END
$$
"""
OUTBOX_POSITION_TRIGGER = """
CREATE TRIGGER outbox_position_unique BEFORE INSERT OR UPDATE OF position ON outbox_event
FOR EACH ROW WHEN (NEW.position IS NOT NULL) EXECUTE FUNCTION rectify_outbox_position_unique()
"""


def _month(d: datetime | date) -> date:
    return date(d.year, d.month, 1)


def _add_months(m: date, n: int) -> date:
    y, mo = divmod(m.month - 1 + n, 12)
    return date(m.year + y, mo + 1, 1)


def _bound(m: date) -> str:
    return f"'{m.isoformat()} 00:00:00+00'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shape(conn: sa.Connection, table: str) -> dict[str, list[str]]:
    """What a rebuild must create again: DDL statements naming the table, read from the catalog."""
    oid = conn.execute(sa.text("SELECT to_regclass(:t)::oid"), {"t": table}).scalar_one()
    indexes = conn.execute(
        sa.text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = :oid AND NOT i.indisprimary ORDER BY c.relname"
        ),
        {"oid": oid},
    ).all()
    fks = conn.execute(
        sa.text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = :oid AND contype = 'f' ORDER BY conname"
        ),
        {"oid": oid},
    ).all()
    policies = conn.execute(
        sa.text(
            "SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies"
            " WHERE schemaname = current_schema() AND tablename = :t ORDER BY policyname"
        ),
        {"t": table},
    ).all()
    grants = conn.execute(
        sa.text(
            "SELECT grantee, string_agg(privilege_type, ', ') FROM information_schema.role_table_grants"
            " WHERE table_schema = current_schema() AND table_name = :t"
            " AND grantee <> (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename = :t) GROUP BY grantee"
        ),
        {"t": table},
    ).all()
    triggers = conn.execute(
        sa.text("SELECT tgname FROM pg_trigger WHERE tgrelid = :oid AND NOT tgisinternal"), {"oid": oid}
    ).all()
    rls = conn.execute(sa.text("SELECT relrowsecurity FROM pg_class WHERE oid = :oid"), {"oid": oid}).scalar_one()
    statements: dict[str, list[str]] = {"indexes": [], "constraints": [], "security": []}
    for _, definition in indexes:
        statements["indexes"].append(definition)
    for name, definition in fks:
        statements["constraints"].append(f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} {definition}")
    if rls:
        statements["security"].append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for name, permissive, roles, cmd, qual, with_check in policies:
        sql = f"CREATE POLICY {_quote(name)} ON {table} AS {permissive} FOR {cmd} TO {', '.join(roles)}"
        sql += f" USING ({qual})" if qual else ""
        sql += f" WITH CHECK ({with_check})" if with_check else ""
        statements["security"].append(sql)
    for grantee, privileges in grants:
        statements["security"].append(f"GRANT {privileges} ON {table} TO {_quote(grantee)}")
    assert not [t for t in triggers if t[0] != "outbox_position_unique"], f"{table} has triggers to carry over"
    return statements


def _months_to_cover(conn: sa.Connection, table: str, column: str) -> list[date]:
    """Every month that holds rows, and last month to MONTHS_AHEAD ahead (a late event's
    delivery carries the event's time). A month more than ten years back or a year ahead gets
    no partition: its rows (bad clocks, imports) go to DEFAULT and are flagged, not given
    hundreds of partitions."""
    now = _month(datetime.now(UTC))
    held = conn.execute(
        sa.text(f"SELECT DISTINCT date_trunc('month', {column} AT TIME ZONE 'UTC')::date FROM {table}")
    ).scalars()
    months = {m for m in held if _add_months(now, -MONTHS_BACK_AT_MOST) <= m <= _add_months(now, 12)}
    months.update(_add_months(now, n) for n in range(-1, MONTHS_AHEAD + 1))
    return sorted(months)


def _protect_partition(name: str) -> None:
    """The app role reaches rows only through the parent (where the policies are)."""
    op.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN"
        f" REVOKE ALL ON {name} FROM {APP_ROLE}; END IF; END $$"
    )


def _rebuild(table: str, column: str, *, partitioned: bool) -> None:
    conn = op.get_bind()
    shape = _shape(conn, table)
    new = f"{table}__rebuild"
    spec = f" PARTITION BY RANGE ({column})" if partitioned else ""
    op.execute(
        f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED"
        f" INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS){spec}"
    )
    if partitioned:
        for m in _months_to_cover(conn, table, column):
            name = f"{table}_p{m:%Y%m}"
            op.execute(
                f"CREATE TABLE {name} PARTITION OF {new}"
                f" FOR VALUES FROM ({_bound(m)}) TO ({_bound(_add_months(m, 1))})"
            )
            _protect_partition(name)
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {new} DEFAULT")
        _protect_partition(f"{table}_default")
    op.execute(f"INSERT INTO {new} SELECT * FROM {table}")
    op.execute(f"DROP TABLE {table}")  # its policies, grants and triggers go with it
    op.execute(f"ALTER TABLE {new} RENAME TO {table}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {column})")
    for definition in shape["indexes"]:
        # a partitioned parent's index reads "ON ONLY t"; created on the parent it recurses
        definition = definition.replace(" ON ONLY ", " ON ", 1)
        if any(f" INDEX {name} ON " in definition for name in UNIQUE_BY_TRIGGER):
            definition = (
                definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX", 1)
                if partitioned
                else definition.replace("CREATE INDEX", "CREATE UNIQUE INDEX", 1)
            )
        op.execute(definition)
    for sql in shape["constraints"] + shape["security"]:
        op.execute(sql)
    op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in TABLES.items():
        _rebuild(table, column, partitioned=True)
    op.execute(OUTBOX_POSITION_FUNCTION)
    op.execute(OUTBOX_POSITION_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_position_unique ON outbox_event")
    for table, column in TABLES.items():
        _rebuild(table, column, partitioned=False)
    op.execute("DROP FUNCTION IF EXISTS rectify_outbox_position_unique()")
