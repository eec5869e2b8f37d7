"""The change token of what today's `GET /stats/issues` reads beside its kept groups (issue 22):
`stats_issue_inputs_version`, one row per round whose `token` becomes a new random value in the
transaction of every write to

* `issue_org` (a problem's responsible orgs: who below a top-level org sees it from outside);
* `indicator` (a problem's indicators, their targets and their org);
* `indicator_value` (an indicator's values: 达到序时进度 of a problem in progress),

the round being the one of the problem concerned (before and after the write). Triggers, not ORM
hooks: the fast path's Core writes and bulk loads are seen too. With `stats_tally_version` (the kept
groups, the deadline days, each problem's key, the org names) it covers everything the answer is
made of but the day, so `stats.tally.read` gives its last answer again while both tokens and the
day are the same, after one statement.

One order of locks: a write to a problem takes its round's inputs token (a responsible org, an
indicator) before its groups' token (`stats_tally.apply`, at commit). An org renamed or moved renews
every round's groups' token (the `org` trigger of 20261210_07_stats_version) and then, moving its
responsible-org rows, the inputs tokens: the other order, and a deadlock with a problem written at
the same time. On PostgreSQL the `org` trigger's function is redefined here to renew the inputs
tokens first (SQLite writers hold the whole database: no such interleaving).

Revision ID: 20261211_17_stats_inputs_version
Revises: 20261211_01_petition_version
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261211_17_stats_inputs_version"
down_revision: str | None = "20261211_01_petition_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: below 2**53: the tokens of all rounds are summed (`stats.tally`) without overflow
_PG_TOKEN = "floor(random() * 9007199254740991)::bigint"
_SQLITE_TOKEN = "abs(random() % 9007199254740991)"

#: table -> (the problems' rounds touched by a row `{row}` (old or new), as a SELECT of round_id)
_ROUNDS = {
    "issue_org": "SELECT i.round_id FROM issue i WHERE i.id = {row}.issue_id",
    "indicator": "SELECT i.round_id FROM issue i WHERE i.id = {row}.issue_id",
    "indicator_value": "SELECT i.round_id FROM indicator d JOIN issue i ON i.id = d.issue_id "
    "WHERE d.id = {row}.indicator_id",
}


def _bump(rounds: str, token: str) -> str:
    # (WHERE true: SQLite's upsert after a SELECT needs a WHERE to parse)
    return (
        f"INSERT INTO stats_issue_inputs_version (round_id, token) SELECT r.round_id, {token} "
        f"FROM ({rounds}) AS r WHERE true "
        "ON CONFLICT (round_id) DO UPDATE SET token = excluded.token;"
    )


#: `rectify_stats_orgs_changed` (20261210_07_stats_version) as it was, and with the inputs first
_ORGS_CHANGED = """
CREATE OR REPLACE FUNCTION rectify_stats_orgs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {inputs}UPDATE stats_tally_version SET token = {token};
    RETURN NULL;
END
$$
"""
_INPUTS_FIRST = "UPDATE stats_issue_inputs_version SET token = {token};\n    "


def upgrade() -> None:
    op.create_table(
        "stats_issue_inputs_version",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round_id"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, rounds in _ROUNDS.items():
        if postgres:  # one row trigger: OLD is null on INSERT, NEW on DELETE (their rounds: none)
            both = f"SELECT DISTINCT round_id FROM ({rounds.format(row='OLD')} UNION {rounds.format(row='NEW')}) AS b"
            op.execute(
                f"CREATE OR REPLACE FUNCTION rectify_stats_inputs_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n    {_bump(both, _PG_TOKEN)}\n    RETURN NULL;\nEND\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_stats_inputs AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION rectify_stats_inputs_{table}()"
            )
        else:  # SQLite: one trigger per event
            for event, rows in (("insert", ("new",)), ("update", ("old", "new")), ("delete", ("old",))):
                union = " UNION ".join(rounds.format(row=r) for r in rows)
                op.execute(
                    f"CREATE TRIGGER {table}_stats_inputs_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN {_bump(union, _SQLITE_TOKEN)} END"
                )
    if postgres:
        op.execute(_ORGS_CHANGED.format(inputs=_INPUTS_FIRST.format(token=_PG_TOKEN), token=_PG_TOKEN))
    token = _PG_TOKEN if postgres else _SQLITE_TOKEN
    op.execute(
        f"INSERT INTO stats_issue_inputs_version (round_id, token) SELECT round_id, {token} "
        "FROM (SELECT DISTINCT round_id FROM issue) AS r"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(_ORGS_CHANGED.format(inputs="", token=_PG_TOKEN))
    for table in _ROUNDS:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_stats_inputs ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS rectify_stats_inputs_{table}()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_stats_inputs_{event}")
    op.drop_table("stats_issue_inputs_version")
