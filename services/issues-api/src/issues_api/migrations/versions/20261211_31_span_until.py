"""`GET /stats/issues?as_of=D` counts the runs of days that hold D (`stats_issue_span`: from_day <= D,
until_day after D or none) instead of summing every day's changes up to D (`stats_issue_day`): a
problem has one run holding D, against a day sum that grows with every day of history. The indexes
find the runs still open after D and the runs begun by D (the planner reads the side with fewer: a
recent day the first, an early day the second); existing rows are indexed as they are made (issue 22).

Revision ID: 20261211_31_span_until
Revises: 20261211_17_stats_inputs_version
Create Date: 2026-12-11
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261211_31_span_until"
down_revision: str | None = "20261211_17_stats_inputs_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stats_issue_span_until", "stats_issue_span", ["round_id", "until_day"])
    op.create_index("ix_stats_issue_span_from", "stats_issue_span", ["round_id", "from_day"])


def downgrade() -> None:
    op.drop_index("ix_stats_issue_span_from", table_name="stats_issue_span")
    op.drop_index("ix_stats_issue_span_until", table_name="stats_issue_span")
