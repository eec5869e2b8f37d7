"""The work calendar's version token, and the index a unit's letters are read by (issue 20, `/me/todo`).

* `calendar_version`: one row (id 1) whose `token` becomes a new random number whenever
  `calendar_year`, `calendar_day` or `calendar_override` is written (insert, update, delete,
  and on PostgreSQL truncate), by triggers, in the writing transaction. A process caches the
  calendar it read and reads only the token on the next use (`rectify_shared.calendar_store`):
  one indexed row instead of every calendar row, and a write made through any replica (or by
  hand in SQL) is seen at once. Random rather than counted, so that a database emptied and
  refilled never shows an old token with new days.
* `ix_escalation_addressed_state`: letters addressed to an org in a state (its to-do), instead
  of every issued letter's row filtered by org.

Revision ID: 20261209_01_calendar_version
Revises: 20261208_81_notice_fields
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261209_01_calendar_version"
down_revision: str | None = "20261208_81_notice_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("calendar_year", "calendar_day", "calendar_override")
_FUNCTION = "rectify_calendar_changed"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO calendar_version (id, token) VALUES (1, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""

_SQLITE_BUMP = (
    "INSERT INTO calendar_version (id, token) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
)


def upgrade() -> None:
    op.create_table(
        "calendar_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_escalation_addressed_state", "escalation", ["addressed_org_id", "state"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
            )
        op.execute("INSERT INTO calendar_version (id, token) VALUES (1, floor(random() * 9007199254740991)::bigint)")
    else:  # SQLite: row triggers only
        for table in _TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {_SQLITE_BUMP} END"
                )
        op.execute("INSERT INTO calendar_version (id, token) VALUES (1, random())")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
    else:
        for table in _TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{event}")
    op.drop_index("ix_escalation_addressed_state", table_name="escalation")
    op.drop_table("calendar_version")
