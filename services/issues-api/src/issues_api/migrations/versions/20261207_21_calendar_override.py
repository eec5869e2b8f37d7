"""calendar_override: an org's own working-day overrides for its subtree (issue 19, finding #9)

`calendar_override` holds single days an org arranges for its subtree (a league's local
holiday, a day it works); the nearest ancestor's override of a day wins over the root's calendar
(`calendar_year` / `calendar_day`, which still apply everywhere). Keyed by (org_path, day).

Revision ID: 20261207_21_calendar_override
Revises: 20261206_06_escalation_ladder
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rectify_shared.models.types

revision: str = "20261207_21_calendar_override"
down_revision: str | None = "20261207_11_measure_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATH = sa.String(length=512).with_variant(sa.String(length=512, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "calendar_override",
        sa.Column("org_path", PATH, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", rectify_shared.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"]),
        sa.PrimaryKeyConstraint("org_path", "day"),
    )
    with op.batch_alter_table("calendar_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_override_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_override_org_id"))
    op.drop_table("calendar_override")
