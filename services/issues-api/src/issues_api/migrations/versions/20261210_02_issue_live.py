"""The live problems' ids (`ix_issue_live`, partial: withdrawn_at IS NULL): the ledger's count
(`GET /issues?with_total=true`) scans this index instead of every problem's wide row (issue 22:
EXPLAIN ANALYZE at scale 1 showed a sequential scan of the whole `issue` heap for the count).

Revision ID: 20261210_02_issue_live
Revises: 20261210_04_stats_as_of
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261210_02_issue_live"
down_revision: str | None = "20261210_04_stats_as_of"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    live = sa.text("withdrawn_at IS NULL")
    op.create_index("ix_issue_live", "issue", ["id"], postgresql_where=live, sqlite_where=live)


def downgrade() -> None:
    op.drop_index("ix_issue_live", table_name="issue")
