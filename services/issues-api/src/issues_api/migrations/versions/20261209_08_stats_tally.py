"""The dashboard's figures kept with the writes (issue 22): `stats_issue_key` (each problem's group),
`stats_issue_tally` (the groups' counts) and `stats_issue_due` (open problems by deadline day), filled
from the existing ledger (`rectify_shared.stats_tally.rebuild`); kept by the session's write path after.

Revision ID: 20261209_08_stats_tally
Revises: 20261209_07_scan_attempts
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261209_08_stats_tally"
down_revision: str | None = "20261209_07_scan_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH = sa.String(length=512).with_variant(sa.String(length=512, collation="C"), "postgresql")
TALLY_KEY = ("round_id", "lead_org_id", "org_path", "category", "status",
             "on_schedule", "has_deadline", "on_time", "on_time_ext", "extended")  # fmt: skip


def _flags() -> list[sa.Column]:
    return [sa.Column(c, sa.SmallInteger(), nullable=False)
            for c in ("on_schedule", "has_deadline", "on_time", "on_time_ext", "extended")]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "stats_issue_key",
        sa.Column("issue_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lead_org_id", sa.Integer(), nullable=False),
        sa.Column("org_path", PATH, nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        *_flags(),
        sa.Column("due_original", sa.Date(), nullable=True),
        sa.Column("due_in_force", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("issue_id"),
    )
    op.create_index("ix_stats_issue_key_org_path", "stats_issue_key", ["org_path"])
    op.create_table(
        "stats_issue_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lead_org_id", sa.Integer(), nullable=False),
        sa.Column("org_path", PATH, nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        *_flags(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("min_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(*TALLY_KEY, name="uq_stats_issue_tally_key"),
    )
    op.create_index("ix_stats_issue_tally_org_path", "stats_issue_tally", ["org_path"])
    op.create_table(
        "stats_issue_due",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("lead_org_id", sa.Integer(), nullable=False),
        sa.Column("org_path", PATH, nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "lead_org_id", "org_path", "kind", "day", name="uq_stats_issue_due_key"),
    )
    op.create_index("ix_stats_issue_due_org_path", "stats_issue_due", ["org_path"])
    op.create_index("ix_stats_issue_due_range", "stats_issue_due", ["round_id", "kind", "day"])
    from rectify_shared.stats_tally import rebuild_counts  # (the as-of tables come in 20261210_04)

    rebuild_counts(op.get_bind())


def downgrade() -> None:
    for table in ("stats_issue_due", "stats_issue_tally", "stats_issue_key"):
        op.drop_table(table)
