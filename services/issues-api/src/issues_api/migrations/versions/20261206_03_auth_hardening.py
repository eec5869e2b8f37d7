"""auth_hardening: issue 19's sign-in, session and audit-trail findings (#6, #13, #14, #10)

* `user_account.must_change_password`: a password an administrator set must be changed first.
* `auth_session.prev_refresh_hash`: only the refresh token rotated out last proves a copy;
  a session id with any other secret no longer ends someone's session.
* `audit_record.hash_alg` widened (keyed MACs: `hmac-sha256`, `hmac-sm3`) and
  `audit_record.peer_chain` (socket peer and X-Forwarded-For as received).
* The audit trail is append-only inside the database: a trigger refuses UPDATE and DELETE of
  `audit_record` and DELETE of `audit_chain` (SQLite and PostgreSQL); on PostgreSQL the app role
  `rectify_app` (0016_rls) loses UPDATE, DELETE and TRUNCATE on them. The owner that runs
  migrations (RECTIFY_MIGRATE_DATABASE_URL) is the only one who could drop the trigger.

Revision ID: 20261206_03_auth_hardening
Revises: 20261206_02_closure_actor_org
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_03_auth_hardening"
down_revision: str | None = "20261206_02_closure_actor_org"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "rectify_app"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION rectify_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- rows moving from the DEFAULT partition into their month (rectify_shared.partitions) are the
  -- same rows: that transaction says so with SET LOCAL rectify.partition_move = 'on'
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME LIKE 'audit_record%'
     AND current_setting('rectify.partition_move', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""
#: (trigger name, table, events)
TRIGGERS = (
    ("audit_record_append_only_update", "audit_record", "UPDATE"),
    ("audit_record_append_only_delete", "audit_record", "DELETE"),
    ("audit_chain_append_only_delete", "audit_chain", "DELETE"),
)


def _triggers_up() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
        for name, table, event in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION rectify_audit_append_only()"
            )
        op.execute(f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_record FROM {APP_ROLE};
    REVOKE DELETE, TRUNCATE ON audit_chain FROM {APP_ROLE};
  END IF;
END
$$""")
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_record FROM PUBLIC")
    else:
        for name, table, event in TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: {event} on {table} refused'); END"
            )


def _triggers_down() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _ in TRIGGERS:
        op.execute(
            f"DROP TRIGGER IF EXISTS {name} ON {table}" if dialect == "postgresql" else f"DROP TRIGGER IF EXISTS {name}"
        )
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS rectify_audit_append_only()")
        op.execute(f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    GRANT UPDATE, DELETE ON audit_record TO {APP_ROLE};
    GRANT DELETE ON audit_chain TO {APP_ROLE};
  END IF;
END
$$""")


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_refresh_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.alter_column(
            "hash_alg", existing_type=sa.String(length=10), type_=sa.String(length=20), existing_nullable=False
        )
        batch_op.add_column(sa.Column("peer_chain", sa.String(length=300), nullable=True))
    _triggers_up()


def downgrade() -> None:
    _triggers_down()
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_column("peer_chain")
        batch_op.alter_column(
            "hash_alg", existing_type=sa.String(length=20), type_=sa.String(length=10), existing_nullable=False
        )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_column("prev_refresh_hash")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
