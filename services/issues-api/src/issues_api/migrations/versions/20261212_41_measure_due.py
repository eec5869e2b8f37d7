"""A measure's due day stored (`measure.due`) with an index of the open measures by it (issue 22):
the measure list's `overdue=true` page is the first rows of one index range, not three ordered parts
(a measure's own deadline, its problem's, none) walked and merged, and re-planned at every request.

`due` is `coalesce(measure.deadline, issue.deadline)`, kept by triggers in the transaction of every
write: a measure inserted, or its deadline or problem changed (its row's `due` set from them); a
problem's deadline moved (the `due` of its measures without a deadline of their own). Triggers, not
ORM hooks: the fast path's Core writes and bulk loads (COPY) are seen too. Its status and withdrawal
need none: the index is partial on them (open: neither completed nor waived, nor withdrawn), so a
measure leaves it and comes back with the row's own update.

Revision ID: 20261212_41_measure_due
Revises: 20261212_31_todo_letter_indexes
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261212_41_measure_due"
down_revision: str | None = "20261212_31_todo_letter_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the open, live measures (the model's `ix_measure_open_due`)
_OPEN = "withdrawn_at IS NULL AND status != 'completed' AND status != 'waived'"
_ISSUE_DEADLINE = "(SELECT i.deadline FROM issue i WHERE i.id = NEW.issue_id)"

_PG = [
    # a measure written: its own deadline, else its problem's (looked up only when it has none)
    f"""CREATE OR REPLACE FUNCTION rectify_measure_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.due := COALESCE(NEW.deadline, {_ISSUE_DEADLINE});
    RETURN NEW;
END
$$""",
    "CREATE TRIGGER measure_due BEFORE INSERT OR UPDATE OF deadline, issue_id, due ON measure "
    "FOR EACH ROW EXECUTE FUNCTION rectify_measure_due()",
    # a problem's deadline moved: its measures without their own
    """CREATE OR REPLACE FUNCTION rectify_issue_measures_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE measure SET due = NEW.deadline WHERE issue_id = NEW.id AND deadline IS NULL;
    RETURN NULL;
END
$$""",
    "CREATE TRIGGER issue_measures_due AFTER UPDATE OF deadline ON issue FOR EACH ROW "
    "WHEN (OLD.deadline IS DISTINCT FROM NEW.deadline) EXECUTE FUNCTION rectify_issue_measures_due()",
]

# SQLite cannot assign NEW: the row is updated after its write (the WHEN stops a repeat, should
# recursive triggers be on)
_SQLITE_SET = f"UPDATE measure SET due = COALESCE(NEW.deadline, {_ISSUE_DEADLINE}) WHERE id = NEW.id;"
_SQLITE = [
    f"CREATE TRIGGER measure_due_insert AFTER INSERT ON measure BEGIN {_SQLITE_SET} END",
    "CREATE TRIGGER measure_due_update AFTER UPDATE OF deadline, issue_id, due ON measure "
    f"WHEN NEW.due IS NOT COALESCE(NEW.deadline, {_ISSUE_DEADLINE}) BEGIN {_SQLITE_SET} END",
    "CREATE TRIGGER issue_measures_due AFTER UPDATE OF deadline ON issue WHEN OLD.deadline IS NOT NEW.deadline "
    "BEGIN UPDATE measure SET due = NEW.deadline WHERE issue_id = NEW.id AND deadline IS NULL; END",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("measure", sa.Column("due", sa.Date(), nullable=True))
    # before the rows are filled: an index made after a table-wide update (HOT chains broken) is
    # not used by PostgreSQL until every transaction older than it has ended (`indcheckxmin`)
    op.create_index(
        "ix_measure_open_due",
        "measure",
        ["due", "id"],
        postgresql_where=sa.text(_OPEN),
        sqlite_where=sa.text(_OPEN),
    )
    if postgres:
        op.execute(
            "UPDATE measure AS m SET due = COALESCE(m.deadline, i.deadline) FROM issue AS i WHERE i.id = m.issue_id"
        )
    else:
        issue_deadline = "(SELECT i.deadline FROM issue i WHERE i.id = measure.issue_id)"
        op.execute(f"UPDATE measure SET due = COALESCE(deadline, {issue_deadline})")
    for statement in _PG if postgres else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_measure_open_due", table_name="measure")
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS issue_measures_due ON issue")
        op.execute("DROP TRIGGER IF EXISTS measure_due ON measure")
        op.execute("DROP FUNCTION IF EXISTS rectify_issue_measures_due()")
        op.execute("DROP FUNCTION IF EXISTS rectify_measure_due()")
    else:
        for name in ("issue_measures_due", "measure_due_update", "measure_due_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_column("measure", "due")
