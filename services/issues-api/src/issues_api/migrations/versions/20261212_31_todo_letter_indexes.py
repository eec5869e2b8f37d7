"""The office's letters to issue in `GET /me/todo` (issue 22): two partial indexes on the proposed
letters (escalation, not measure).

* `ix_escalation_proposed_due` (response_due, id): the section's first page walks it in its order
  (due first, undated last, then id) and stops after `limit` rows;
* `ix_escalation_proposed_path` (org_path): the section's count over the office's subtree, read
  from the index alone.

Before, the section read and sorted every proposed letter of the subtree for its first ten (a
window count over them): its cost grew with the province's letters.

Revision ID: 20261212_31_todo_letter_indexes
Revises: 20261212_21_drop_stats_issue_day
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261212_31_todo_letter_indexes"
down_revision: str | None = "20261212_21_drop_stats_issue_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROPOSED = sa.text("state = 'proposed'")


def upgrade() -> None:
    where = {"postgresql_where": _PROPOSED, "sqlite_where": _PROPOSED}
    op.create_index("ix_escalation_proposed_due", "escalation", ["response_due", "id"], **where)
    op.create_index("ix_escalation_proposed_path", "escalation", ["org_path"], **where)


def downgrade() -> None:
    op.drop_index("ix_escalation_proposed_path", table_name="escalation")
    op.drop_index("ix_escalation_proposed_due", table_name="escalation")
