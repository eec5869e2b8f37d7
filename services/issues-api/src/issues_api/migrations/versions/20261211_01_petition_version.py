"""The change token of the petition figures (issue 22): `stats_petition_version`, one row per round
with petition cases, whose `token` becomes a new random value in the transaction of every write that
can change `GET /stats/petitions`' figures of today: a case inserted or deleted, or changed in a
column the figures count (state, verdict, batch, locality, responsible org, pollution types,
accountability, repeat, key attention, certification, round, registration time); a batch renumbered;
and every round's when an org's name or path changes or an org is deleted (the localities' names and
paths are part of the answer). Database triggers, not Python hooks: the importer, the closure and
withdrawal paths and raw SQL are all covered. The API gives its last answer again while the token is
the one it was built with (`issues_api.petitions.stats`). Filled here for every round with cases.

On PostgreSQL the cases' trigger is per statement (transition tables: an import of thousands of
cases renews each round's token once); SQLite has row triggers only.

Revision ID: 20261211_01_petition_version
Revises: 20261210_07_stats_version
Create Date: 2026-12-11
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261211_01_petition_version"
down_revision: str | None = "20261210_07_stats_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the case's columns today's figures count (a change to another one, e.g. the text, moves nothing)
COUNTED = ("round_id", "batch_id", "locality_org_id", "locality_path", "responsible_path", "pollution_types",
           "verdict", "accountability", "state", "certified_by", "repeat_of_id", "key_attention",
           "created_at")  # fmt: skip
#: below 2**53: the tokens of all rounds are summed by the reader without overflow
_PG_TOKEN = "floor(random() * 9007199254740991)::bigint"
_SQLITE_TOKEN = "abs(random() % 9007199254740991)"

_CASES = "rectify_petition_version_cases"
_BATCH = "rectify_petition_version_batch"
_ORGS = "rectify_petition_version_orgs"


def _pg_renew(rounds: str) -> str:
    """Renew the tokens of the rounds `rounds` (a query of `round_id`s), in round order."""
    return (
        f"INSERT INTO stats_petition_version (round_id, token) SELECT r.round_id, {_PG_TOKEN} "
        f"FROM (SELECT DISTINCT round_id FROM ({rounds}) AS q) AS r ORDER BY r.round_id "
        "ON CONFLICT (round_id) DO UPDATE SET token = excluded.token;"
    )


_DIFFERS = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in COUNTED)
_PG_FUNCTIONS = (
    f"""
CREATE OR REPLACE FUNCTION {_CASES}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_pg_renew("SELECT round_id FROM new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {_pg_renew("SELECT round_id FROM old_rows")}
    ELSE
        {
        _pg_renew(
            "SELECT unnest(ARRAY[o.round_id, n.round_id]) AS round_id "
            f"FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE {_DIFFERS}"
        )
    }
    END IF;
    RETURN NULL;
END
$$
""",
    f"""
CREATE OR REPLACE FUNCTION {_BATCH}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF old.batch_no IS DISTINCT FROM new.batch_no OR old.round_id IS DISTINCT FROM new.round_id THEN
        {_pg_renew("SELECT old.round_id AS round_id UNION SELECT new.round_id")}
    END IF;
    RETURN NULL;
END
$$
""",
    f"""
CREATE OR REPLACE FUNCTION {_ORGS}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stats_petition_version SET token = {_PG_TOKEN};
    RETURN NULL;
END
$$
""",
)
_PG_TRIGGERS = (
    f"CREATE TRIGGER petition_case_version_insert AFTER INSERT ON petition_case "
    f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {_CASES}()",
    f"CREATE TRIGGER petition_case_version_update AFTER UPDATE ON petition_case "
    f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {_CASES}()",
    f"CREATE TRIGGER petition_case_version_delete AFTER DELETE ON petition_case "
    f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {_CASES}()",
    f"CREATE TRIGGER petition_batch_version AFTER UPDATE OF batch_no, round_id ON petition_batch "
    f"FOR EACH ROW EXECUTE FUNCTION {_BATCH}()",
    f"CREATE TRIGGER org_petition_version AFTER UPDATE OF name, path OR DELETE ON org "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {_ORGS}()",
)
_PG_DROPS = (
    "DROP TRIGGER IF EXISTS petition_case_version_insert ON petition_case",
    "DROP TRIGGER IF EXISTS petition_case_version_update ON petition_case",
    "DROP TRIGGER IF EXISTS petition_case_version_delete ON petition_case",
    "DROP TRIGGER IF EXISTS petition_batch_version ON petition_batch",
    "DROP TRIGGER IF EXISTS org_petition_version ON org",
    f"DROP FUNCTION IF EXISTS {_CASES}()",
    f"DROP FUNCTION IF EXISTS {_BATCH}()",
    f"DROP FUNCTION IF EXISTS {_ORGS}()",
)


def _sqlite_renew(round_id: str) -> str:
    return f"INSERT OR REPLACE INTO stats_petition_version (round_id, token) VALUES ({round_id}, {_SQLITE_TOKEN});"


_SQLITE_DIFFERS = " OR ".join(f"old.{c} IS NOT new.{c}" for c in COUNTED)
_SQLITE_TRIGGERS = {
    "petition_case_version_insert": f"AFTER INSERT ON petition_case BEGIN {_sqlite_renew('new.round_id')} END",
    "petition_case_version_delete": f"AFTER DELETE ON petition_case BEGIN {_sqlite_renew('old.round_id')} END",
    "petition_case_version_update": (
        f"AFTER UPDATE OF {', '.join(COUNTED)} ON petition_case WHEN {_SQLITE_DIFFERS} "
        f"BEGIN {_sqlite_renew('old.round_id')} {_sqlite_renew('new.round_id')} END"
    ),
    "petition_batch_version": (
        "AFTER UPDATE OF batch_no, round_id ON petition_batch "
        "WHEN old.batch_no IS NOT new.batch_no OR old.round_id IS NOT new.round_id "
        f"BEGIN {_sqlite_renew('old.round_id')} {_sqlite_renew('new.round_id')} END"
    ),
    "org_petition_version_update": (
        "AFTER UPDATE OF name, path ON org WHEN old.name IS NOT new.name OR old.path IS NOT new.path "
        f"BEGIN UPDATE stats_petition_version SET token = {_SQLITE_TOKEN}; END"
    ),
    "org_petition_version_delete": (
        f"AFTER DELETE ON org BEGIN UPDATE stats_petition_version SET token = {_SQLITE_TOKEN}; END"
    ),
}


def upgrade() -> None:
    op.create_table(
        "stats_petition_version",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("round_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*_PG_FUNCTIONS, *_PG_TRIGGERS):
            op.execute(statement)
        token = _PG_TOKEN
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        token = _SQLITE_TOKEN
    op.execute(
        f"INSERT INTO stats_petition_version (round_id, token) SELECT round_id, {token} "
        "FROM (SELECT DISTINCT round_id FROM petition_case) AS r"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_DROPS:
            op.execute(statement)
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("stats_petition_version")
