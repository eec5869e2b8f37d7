"""Drop `stats_issue_day` (the runs of days' starts and ends by day): `GET /stats/issues?as_of=D`
counts the runs that hold D (`stats_issue_span`, migration `20261211_31_span_until`) and nothing
reads the day sums since; every write that moved a problem's runs still wrote them (issue 22).
The downgrade makes them again from the runs.

Revision ID: 20261212_21_drop_stats_issue_day
Revises: 20261211_33_indicator_version
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261212_21_drop_stats_issue_day"
down_revision: str | None = "20261211_33_indicator_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH = sa.String(length=512).with_variant(sa.String(length=512, collation="C"), "postgresql")
FIGURES = ("round_id", "lead_org_id", "org_path", "category", "status", "on_schedule", "has_deadline",
           "on_time", "on_time_ext", "extended", "overdue", "overdue_ext")  # fmt: skip


def upgrade() -> None:
    op.drop_index("ix_stats_issue_day_range", table_name="stats_issue_day")
    op.drop_index("ix_stats_issue_day_org_path", table_name="stats_issue_day")
    op.drop_table("stats_issue_day")


def downgrade() -> None:
    op.create_table(
        "stats_issue_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lead_org_id", sa.Integer(), nullable=False),
        sa.Column("org_path", PATH, nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        *[sa.Column(c, sa.SmallInteger(), nullable=False) for c in FIGURES[5:]],
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", *FIGURES, name="uq_stats_issue_day_key"),
    )
    op.create_index("ix_stats_issue_day_org_path", "stats_issue_day", ["org_path"])
    op.create_index("ix_stats_issue_day_range", "stats_issue_day", ["round_id", "day"])
    # each run: +1 on its first day, -1 on the day after its last (the sums the old code kept)
    figures = ", ".join(FIGURES)
    op.execute(
        f"INSERT INTO stats_issue_day (day, {figures}, n) "
        f"SELECT day, {figures}, SUM(n) FROM ("
        f"SELECT from_day AS day, {figures}, 1 AS n FROM stats_issue_span UNION ALL "
        f"SELECT until_day AS day, {figures}, -1 AS n FROM stats_issue_span WHERE until_day IS NOT NULL"
        f") AS changes GROUP BY day, {figures}"
    )
