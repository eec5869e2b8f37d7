"""The dashboard's figures as of a past day kept with the writes (issue 22): `stats_issue_span` (each
problem's runs of days with the same figures) and `stats_issue_day` (their starts and ends by day: the
figures as of D are a range sum), filled from the existing history
(`rectify_shared.stats_tally.rebuild_days`); kept by the session's write path after.

Revision ID: 20261210_04_stats_as_of
Revises: 20261209_08_stats_tally
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261210_04_stats_as_of"
down_revision: str | None = "20261209_08_stats_tally"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH = sa.String(length=512).with_variant(sa.String(length=512, collation="C"), "postgresql")
FIGURES = ("round_id", "lead_org_id", "org_path", "category", "status", "on_schedule", "has_deadline",
           "on_time", "on_time_ext", "extended", "overdue", "overdue_ext")  # fmt: skip


def _figures() -> list[sa.Column]:
    return [
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lead_org_id", sa.Integer(), nullable=False),
        sa.Column("org_path", PATH, nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        *[sa.Column(c, sa.SmallInteger(), nullable=False) for c in FIGURES[5:]],
    ]


def upgrade() -> None:
    op.create_table(
        "stats_issue_span",
        sa.Column("issue_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("from_day", sa.Date(), nullable=False),
        sa.Column("until_day", sa.Date(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        *_figures(),
        sa.PrimaryKeyConstraint("issue_id", "from_day"),
    )
    op.create_index("ix_stats_issue_span_org_path", "stats_issue_span", ["org_path"])
    op.create_index("ix_stats_issue_span_heading", "stats_issue_span", ["round_id", "category", "seq"])
    op.create_table(
        "stats_issue_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_figures(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", *FIGURES, name="uq_stats_issue_day_key"),
    )
    op.create_index("ix_stats_issue_day_org_path", "stats_issue_day", ["org_path"])
    op.create_index("ix_stats_issue_day_range", "stats_issue_day", ["round_id", "day"])
    from rectify_shared.stats_tally import rebuild_days

    rebuild_days(op.get_bind())


def downgrade() -> None:
    for table in ("stats_issue_day", "stats_issue_span"):
        op.drop_table(table)
