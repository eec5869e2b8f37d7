"""The change token of the indicator figures (issue 22): `indicator_version`, one row per round
(`round_id` 0 for the indicators of no round) whose `token` becomes a new random value in the
transaction of every insert, update or delete on `indicator`, `indicator_measure` or
`indicator_value` touching the round's indicators. Triggers keep it, not the API's Python, so every
writer renews it: the API's ORM writes, the fast path's Core writes, imports, the demo loader, org
moves (which rewrite the rows' paths) and cascaded deletes. `GET /stats/indicators` reads the token
(one indexed row, or the few rows of all rounds) instead of a digest of every row it is made of.

A link's or a value's round is its indicator's (looked up in the trigger; on PostgreSQL as the
function's owner, past row-level security, so a tenant's write renews the token whatever it sees).
An indicator moved to another round renews both; a table emptied (TRUNCATE, PostgreSQL) renews
every round's. Filled here for every round with indicators.

Revision ID: 20261211_33_indicator_version
Revises: 20261211_31_span_until
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261211_33_indicator_version"
down_revision: str | None = "20261211_31_span_until"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("indicator", "indicator_measure", "indicator_value")
_BUMP = "rectify_indicator_bump"
_CHANGED = "rectify_indicator_changed"
_EMPTIED = "rectify_indicator_emptied"
_PG_TOKEN = "floor(random() * 9007199254740991)::bigint"
_SQLITE_TOKEN = "abs(random() % 9007199254740991)"

_PG_FUNCTIONS = (
    f"""
CREATE OR REPLACE FUNCTION {_BUMP}(r integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO indicator_version (round_id, token) SELECT r, {_PG_TOKEN} WHERE r IS NOT NULL
    ON CONFLICT (round_id) DO UPDATE SET token = EXCLUDED.token
$$
""",
    f"""
CREATE OR REPLACE FUNCTION {_CHANGED}() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_TABLE_NAME = 'indicator' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM {_BUMP}(coalesce(NEW.round_id, 0));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM {_BUMP}(coalesce(OLD.round_id, 0));
        ELSE
            PERFORM {_BUMP}(coalesce(OLD.round_id, 0));
            IF NEW.round_id IS DISTINCT FROM OLD.round_id THEN
                PERFORM {_BUMP}(coalesce(NEW.round_id, 0));
            END IF;
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM {_BUMP}((SELECT coalesce(i.round_id, 0) FROM indicator i WHERE i.id = OLD.indicator_id));
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.indicator_id IS DISTINCT FROM OLD.indicator_id) THEN
            PERFORM {_BUMP}((SELECT coalesce(i.round_id, 0) FROM indicator i WHERE i.id = NEW.indicator_id));
        END IF;
    END IF;
    RETURN NULL;
END
$$
""",
    f"""
CREATE OR REPLACE FUNCTION {_EMPTIED}() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE indicator_version SET token = {_PG_TOKEN};
    RETURN NULL;
END
$$
""",
)


def _sqlite_triggers(table: str) -> list[str]:
    def bump(row: str) -> str:
        if table == "indicator":
            return (
                "INSERT OR REPLACE INTO indicator_version (round_id, token) "
                f"VALUES (coalesce({row}.round_id, 0), {_SQLITE_TOKEN});"
            )
        return (
            "INSERT OR REPLACE INTO indicator_version (round_id, token) "
            f"SELECT coalesce(round_id, 0), {_SQLITE_TOKEN} FROM indicator WHERE id = {row}.indicator_id;"
        )

    return [
        f"CREATE TRIGGER {table}_version_insert AFTER INSERT ON {table} BEGIN {bump('new')} END",
        f"CREATE TRIGGER {table}_version_update AFTER UPDATE ON {table} BEGIN {bump('old')} {bump('new')} END",
        f"CREATE TRIGGER {table}_version_delete AFTER DELETE ON {table} BEGIN {bump('old')} END",
    ]


def upgrade() -> None:
    op.create_table(
        "indicator_version",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_FUNCTIONS:
            op.execute(statement)
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_CHANGED}()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_version_truncate AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_EMPTIED}()"
            )
        token = _PG_TOKEN
    else:  # SQLite
        for table in _TABLES:
            for statement in _sqlite_triggers(table):
                op.execute(statement)
        token = _SQLITE_TOKEN
    op.execute(
        f"INSERT INTO indicator_version (round_id, token) SELECT r, {token} "
        "FROM (SELECT DISTINCT coalesce(round_id, 0) AS r FROM indicator) AS rounds"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version_truncate ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {_CHANGED}()")
        op.execute(f"DROP FUNCTION IF EXISTS {_EMPTIED}()")
        op.execute(f"DROP FUNCTION IF EXISTS {_BUMP}(integer)")
    else:
        for table in _TABLES:
            for op_name in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{op_name}")
    op.drop_table("indicator_version")
