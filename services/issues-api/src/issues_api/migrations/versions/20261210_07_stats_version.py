"""The change token of today's dashboard groups (issue 22): `stats_tally_version`, one row per round
whose `token` becomes a new random value in the transaction of every write that changes the round's
kept groups (`rectify_shared.stats_tally`), and every round's when an org's name or path changes or
an org is deleted (triggers on `org`: the lead orgs' names are part of the answer). `GET
/stats/issues` reads the tokens (one indexed row per round) instead of a digest of every group row.

Per round, not one row: writes to different rounds do not wait on each other, and a round's answer
is not read again for another round's writes. Filled here for every round with kept groups.

Revision ID: 20261210_07_stats_version
Revises: 20261210_02_issue_live
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261210_07_stats_version"
down_revision: str | None = "20261210_02_issue_live"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = "rectify_stats_orgs_changed"
#: below 2**53: the tokens of all rounds are summed (`stats.tally`) without overflow
_PG_TOKEN = "floor(random() * 9007199254740991)::bigint"
_SQLITE_TOKEN = "abs(random() % 9007199254740991)"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stats_tally_version SET token = {_PG_TOKEN};
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "stats_tally_version",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER org_stats_version AFTER UPDATE OF name, path OR DELETE ON org "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
        )
        token = _PG_TOKEN
    else:  # SQLite: row triggers only
        bump = f"UPDATE stats_tally_version SET token = {_SQLITE_TOKEN};"
        op.execute(
            "CREATE TRIGGER org_stats_version_update AFTER UPDATE OF name, path ON org "
            f"WHEN old.name IS NOT new.name OR old.path IS NOT new.path BEGIN {bump} END"
        )
        op.execute(f"CREATE TRIGGER org_stats_version_delete AFTER DELETE ON org BEGIN {bump} END")
        token = _SQLITE_TOKEN
    op.execute(
        f"INSERT INTO stats_tally_version (round_id, token) SELECT round_id, {token} "
        "FROM (SELECT DISTINCT round_id FROM stats_issue_tally) AS r"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS org_stats_version ON org")
        op.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
    else:
        op.execute("DROP TRIGGER IF EXISTS org_stats_version_update")
        op.execute("DROP TRIGGER IF EXISTS org_stats_version_delete")
    op.drop_table("stats_tally_version")
